package dev.spartan;

import dev.spartan.cli.AdminCommand;
import dev.spartan.cli.BenchCommand;
import dev.spartan.cli.ClientCommand;
import dev.spartan.cli.HealthCommand;
import dev.spartan.cli.ServerCommand;
import dev.spartan.ops.Logs;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code spartan server | client | admin | bench | health}: one jar, five subcommands. */
@Command(
        name = "spartan",
        mixinStandardHelpOptions = true,
        version = "Spartan Messenger 0.1.0",
        description = "A terminal messenger on gRPC with end-to-end encryption.",
        subcommands = {
            ServerCommand.class,
            ClientCommand.class,
            AdminCommand.class,
            BenchCommand.class,
            HealthCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static void main(String[] args) {
        if (args.length > 0 && !args[0].equals("server")) {
            // Clients and the bench talk to the user on stdout; keep library chatter out of their way.
            System.setProperty("spartan.log.level", System.getProperty("spartan.log.level", "WARN"));
        }
        Logs.bridgeJul();
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler(Main::oneLine);
        int code = commandLine.execute(args);
        if (code != Integer.MIN_VALUE) {
            System.exit(code);
        }
    }

    /**
     * A bad option or value: one line naming it, and exit 2, instead of picocli's whole usage (which buries the one
     * line that matters, and which a supervisor's log repeats at every restart).
     */
    private static int oneLine(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandName();
        String prefix = command.getParent() == null ? name : command.getParent().getCommandName() + " " + name;
        command.getErr().println(prefix + ": " + e.getMessage() + " (see " + prefix + " --help)");
        return 2;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
