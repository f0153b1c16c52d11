package dev.spartan.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copies one direction of a relayed connection on a daemon thread until either side closes. */
final class Pump {
    /** Sees each chunk before it is forwarded. */
    interface Tap {
        Tap NONE = (buf, len) -> {};

        void seen(byte[] buf, int len);
    }

    private Pump() {}

    static void start(String name, InputStream in, OutputStream out, Tap tap) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16 * 1024];
                    try (in;
                            out) {
                        for (int n; (n = in.read(buf)) > 0; ) {
                            tap.seen(buf, n);
                            out.write(buf, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // one side closed
                    }
                },
                name);
        t.setDaemon(true);
        t.start();
    }
}
