package dev.postroom.web.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The API's OpenAPI description: API keys travel as {@code Authorization: Bearer <key>}. */
@OpenAPIDefinition(info = @Info(title = "Postroom API", version = "1",
        description = "Queued email delivery with a delivery log, and live mailbox mirrors."))
@SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "An API key: a service key from POSTROOM_API_KEYS or a user's personal key")
public class ApiDefinition extends Application {
}
