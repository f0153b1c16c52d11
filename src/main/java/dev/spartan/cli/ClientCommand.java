package dev.spartan.cli;

import dev.spartan.client.ActionOptions;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Linker;
import dev.spartan.client.json.JsonUi;
import dev.spartan.client.tui.ConsoleUi;
import dev.spartan.config.ConfigLoader;
import dev.spartan.tls.ClientTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

    @Option(
            names = "--invite",
            paramLabel = "CODE",
            description = "Enrollment code from the server's operator, for your first login.")
    String invite;

    @Option(
            names = "--ca",
            paramLabel = "PEM",
            description = "Trust only servers whose certificate chains to these CAs (host name checked), instead of"
                    + " pinning the server's certificate on first use in known_servers.")
    Path ca;

    @Option(
            names = "--plaintext",
            description = "No TLS: your session token and metadata travel in clear. Only for a server started with"
                    + " --plaintext on a network you trust entirely.")
    boolean plaintext;

    @Option(
            names = "--link",
            description = "Make this a new device of NAME, who is signed in elsewhere: prints a one-time code to type"
                    + " there (/link CODE), waits for the answer, then chats as NAME. Needs an empty key directory.")
    boolean link;

    @Option(
            names = "--device-name",
            paramLabel = "NAME",
            description = "With --link: what /devices calls this device (default: this machine's host name).")
    String deviceName;

    @Option(names = "--no-timestamps", description = "On a terminal, do not show the time of each line.")
    boolean noTimestamps;

    @Option(
            names = "--no-receipts",
            description = "Do not send delivery receipts (they tell senders their 1:1 message reached this client).")
    boolean noReceipts;

    @Option(
            names = "--read-receipts",
            description = "Send read receipts: a peer sees ●● on a 1:1 message once it was shown in your open chat.")
    boolean readReceipts;

    @Option(
            names = "--typing",
            description = "Send typing indicators while you type in a chat on a terminal (at most one every 3 s), and"
                    + " show others'.")
    boolean typing;

    @Option(
            names = "--json",
            description = {
                "For scripts and bots: stdin takes the same lines as a terminal (text, answers, /commands); stdout"
                        + " carries one JSON object per line for every event (connected, message, sent, receipt,"
                        + " request, accepted, declined, ready, notice, error, ...) and nothing else. Sends"
                        + " delivery receipts unless --no-receipts. See README, JSON mode."
            })
    boolean json;

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
        if (plaintext && ca != null) {
            System.err.println("spartan client: --plaintext and --ca exclude each other");
            return 2;
        }
        if (ca != null && !Files.isReadable(ca)) {
            System.err.println("spartan client: cannot read the CA file " + ca);
            return 2;
        }
        if (plaintext) {
            System.err.println("spartan client: WARNING: --plaintext: your session token and metadata travel in clear");
        }
        ClientTls tls = plaintext
                ? ClientTls.plaintext()
                : ca != null ? ClientTls.authority(ca) : ClientTls.pinning(ClientOptions.knownServers(keyDir));
        int shownPort = Integer.parseInt(targets.get(0).substring(targets.get(0).lastIndexOf(':') + 1));
        Clock clock = Clock.system(ZoneId.systemDefault()); // the client's one clock: local time, for its lines
        ClientOptions options =
                new ClientOptions(user, targets, keyDir, tls, invite != null ? invite : "", clock, configGroups());
        // With --json, stdout carries JSON only: the link's lines go to stderr.
        java.io.PrintStream linkLines = json ? System.err : System.out;
        if (link && !new Linker(options, line -> linkLines.println("[Spartan] " + line)).link(nameOfDevice())) {
            return 1;
        }
        if (json) {
            return new JsonUi(!noReceipts, clock)
                    .optIn(new ActionOptions(readReceipts, typing))
                    .run(options, shownPort);
        }
        return new ConsoleUi(new ConsoleUi.Settings(!noTimestamps, !noReceipts, clock))
                .optIn(new ActionOptions(readReceipts, typing))
                .run(options, shownPort);
    }

    /** What /devices calls a device linked now: --device-name, else the host name (at most 32 characters). */
    private String nameOfDevice() {
        String name = deviceName;
        if (name == null) {
            try {
                name = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                name = "device";
            }
        }
        name = name.strip();
        return name.length() > 32 ? name.substring(0, 32) : name.isEmpty() ? "device" : name;
    }

    /** The groups of ./config.yaml, which anchor config groups' members; none if it is missing or unreadable. */
    private static Map<String, List<String>> configGroups() {
        Path cfg = Path.of("config.yaml");
        if (Files.isRegularFile(cfg)) {
            try {
                return ConfigLoader.load(cfg).groups();
            } catch (RuntimeException e) {
                return Map.of();
            }
        }
        return Map.of();
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
