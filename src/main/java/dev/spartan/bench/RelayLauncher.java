package dev.spartan.bench;

/** Entry point for the relay child process of {@code spartan bench --transport-baseline}. */
public final class RelayLauncher {
    private RelayLauncher() {}

    public static void run(int port) throws Exception {
        io.grpc.Server server = RelayServer.start(port);
        System.out.println("relay ready on port " + port);
        System.out.flush();
        server.awaitTermination();
    }
}
