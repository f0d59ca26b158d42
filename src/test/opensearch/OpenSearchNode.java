import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * A single OpenSearch node for tests and the local run, started as
 * {@code java -cp <opensearch classpath> OpenSearchNode.java <baseDir> <httpPort> <transportPort>}.
 *
 * <p>Runs in its own JVM because OpenSearch's libraries (Netty 4.2, Jackson 3) clash with Quarkus'. It prints
 * {@code OPENSEARCH READY} once the cluster is yellow and stops when its standard input closes, so it can never
 * outlive the process that started it, even one that crashed.
 */
public class OpenSearchNode {
    public static void main(String[] args) throws Exception {
        String baseDir = args[0];
        String httpPort = args[1];
        String transportPort = args[2];
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((number, settings) -> {
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("network.host", "127.0.0.1");
            settings.put("discovery.type", "single-node");
            // A nearly full disk must not turn the test indices read-only.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        }).build(OpenSearchRunner.newConfigs()
                .basePath(baseDir)
                .numOfNode(1)
                .clusterName("postroom-embedded")
                .disableESLogger());
        runner.ensureYellow();
        System.out.println("OPENSEARCH READY http://127.0.0.1:" + httpPort);
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // Wait until the parent closes our standard input (or dies).
            }
        } finally {
            runner.close();
            runner.clean();
        }
        System.exit(0);
    }
}
