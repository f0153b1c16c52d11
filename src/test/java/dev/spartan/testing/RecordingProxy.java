package dev.spartan.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A packet capture in miniature: a TCP proxy on 127.0.0.1 that forwards every connection to a target port and keeps
 * every byte it carries, in each direction, as an on-path observer would see them.
 */
public final class RecordingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
    private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    public RecordingProxy(int targetPort) {
        this.target = targetPort;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread accept = new Thread(this::accept, "recording-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Everything clients sent, then everything the server sent. */
    public synchronized byte[] captured() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(toServer.toByteArray());
        all.writeBytes(toClient.toByteArray());
        return all.toByteArray();
    }

    public synchronized byte[] clientToServer() {
        return toServer.toByteArray();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                open.add(client);
                open.add(server);
                pump(client.getInputStream(), server.getOutputStream(), toServer);
                pump(server.getInputStream(), client.getOutputStream(), toClient);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(InputStream in, OutputStream out, ByteArrayOutputStream record) {
        Pump.start("recording-proxy-pump", in, out, (buf, n) -> {
            synchronized (this) {
                record.write(buf, 0, n);
            }
        });
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
