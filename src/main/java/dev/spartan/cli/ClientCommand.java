package dev.spartan.cli;

import dev.spartan.client.ClientOptions;
import dev.spartan.client.tui.ConsoleUi;
import dev.spartan.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "client",
        mixinStandardHelpOptions = true,
        description = {
            "Chats as NAME. Creates NAME's identity keys on first run (in ~/.spartan/NAME unless --keys).",
            "Type /help inside for the commands."
        })
public final class ClientCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Your user name, one of the users in config.yaml.")
    String user;

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).", defaultValue = "localhost")
    String host;

    @Option(names = "--port", description = "Server port (default: the port in ./config.yaml, else 3000).")
    Integer port;

    @Option(
            names = "--server",
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Servers to use, tried in turn when connecting and reconnecting. Overrides --host/--port.")
    String servers;

    @Option(names = "--keys", description = "Directory of your identity keys and pinned peer keys.")
    Path keys;

    @Option(names = "--no-timestamps", description = "On a terminal, do not show the time of each line.")
    boolean noTimestamps;

    @Option(
            names = "--no-receipts",
            description = "Do not send delivery receipts (they tell senders their 1:1 message reached this client).")
    boolean noReceipts;

    @Override
    public Integer call() throws Exception {
        int p = port != null ? port : defaultPort();
        List<String> targets = servers != null ? Arrays.asList(servers.split(",")) : List.of(host + ":" + p);
        for (String t : targets) {
            if (!t.matches("[^:]+:\\d{1,5}")) {
                System.err.println("spartan client: '" + t + "' is not HOST:PORT");
                return 2;
            }
        }
        Path keyDir = keys != null ? keys : ClientOptions.defaultKeysDir(user);
        int shownPort = Integer.parseInt(targets.get(0).substring(targets.get(0).lastIndexOf(':') + 1));
        return new ConsoleUi(new ConsoleUi.Settings(!noTimestamps, !noReceipts))
                .run(new ClientOptions(user, targets, keyDir), shownPort);
    }

    private static int defaultPort() {
        Path cfg = Path.of("config.yaml");
        if (Files.isRegularFile(cfg)) {
            try {
                return ConfigLoader.load(cfg).port();
            } catch (RuntimeException e) {
                return 3000;
            }
        }
        return 3000;
    }
}
