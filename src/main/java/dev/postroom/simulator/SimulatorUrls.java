package dev.postroom.simulator;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The simulator's absolute URLs, built from {@code postroom.public-url} like the Outlook settings of the dev, test
 * and local profiles: {@code postroom.outlook.graph-url = ${postroom.public-url}/simulator/graph}.
 */
@ApplicationScoped
class SimulatorUrls {

    private final String publicUrl;

    SimulatorUrls(@ConfigProperty(name = "postroom.public-url") String publicUrl) {
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    /** {@code {public-url}/simulator/graph}: what {@code https://graph.microsoft.com} is to real Outlook. */
    String graphBase() {
        return publicUrl + "/simulator/graph";
    }

    /** {@code {public-url}/simulator/graph/v1.0}. */
    String graphV1() {
        return graphBase() + "/v1.0";
    }

    /** {@code {public-url}/simulator/login}: what {@code https://login.microsoftonline.com} is to real Outlook. */
    String loginBase() {
        return publicUrl + "/simulator/login";
    }
}
