package dev.postroom.simulator;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;

/** With postroom.simulator.enabled=false (production's default) every simulator path answers 404. */
@QuarkusTest
@TestProfile(SimulatorDisabledTest.Disabled.class)
class SimulatorDisabledTest {

    public static class Disabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("postroom.simulator.enabled", "false");
        }
    }

    @Test
    void everySimulatorPathIs404() {
        given().get("/simulator/login/common/oauth2/v2.0/authorize?client_id=x").then().statusCode(404);
        given().post("/simulator/login/common/oauth2/v2.0/token").then().statusCode(404);
        given().get("/simulator/graph/v1.0/me").then().statusCode(404);
        given().get("/simulator/mailboxes").then().statusCode(404);
        given().get("/simulator/api/mailboxes").then().statusCode(404);
        given().get("/").then().statusCode(200);
    }
}
