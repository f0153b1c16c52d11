package dev.spartan.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 server on a free port of this machine: S3Proxy with its filesystem backend, the bucket's objects as
 * files under {@code dir}. The credentials are fixed; nodes get them as the system properties the AWS SDK reads.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "spartan-test";
    public static final String SECRET_KEY = "spartan-test-secret";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final int port;
    private final Path dir;

    public S3ProxyServer(Path dir) throws Exception {
        this.dir = dir;
        java.nio.file.Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        context = ContextBuilder.newBuilder("filesystem")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .overrides(p)
                .build(BlobStoreContext.class);
        port = Ports.free();
        proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        org.awaitility.Awaitility.await().until(() -> "STARTED".equals(proxy.getState()));
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Where the bucket's objects are kept. */
    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
