package dev.postroom.testing;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;

/**
 * Declares the real servers for every {@code @QuarkusTest} of the suite (global scope): test classes need no
 * annotation of their own, and the application boots once for all of them.
 */
@WithTestResource(value = RealServersResource.class, scope = TestResourceScope.GLOBAL)
public final class WithRealServers {

    private WithRealServers() {
    }
}
