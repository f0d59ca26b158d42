package dev.postroom.simulator;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

import java.util.List;

/** The simulator's pages (templates in {@code templates/simulator/}) and what each one shows. */
@CheckedTemplate(basePath = "simulator")
class SimulatorTemplates {

    static native TemplateInstance login(LoginPage page);

    static native TemplateInstance loginError(String error, String description);

    static native TemplateInstance mailboxes(MailboxesPage page);

    static native TemplateInstance mailbox(MailboxPage page);

    /** A hidden form field. */
    public record Field(String name, String value) {
    }

    /** The sign-in and consent page of {@code /authorize}. */
    public record LoginPage(String action, List<Field> fields, List<MailboxInfo> mailboxes, String clientId,
            List<String> scopes, String error, String loginHint) {
    }

    public record MailboxRow(String address, String displayName, boolean personal, int messages, String href) {
    }

    public record MailboxesPage(List<MailboxRow> mailboxes, String notice) {
    }

    public record FolderRow(String id, String displayName, String indent, int unread, int total, boolean selected,
            String href, boolean wellKnown) {
    }

    public record MessageRow(String id, String subject, String from, String folder, String received, boolean read,
            boolean flagged, String flagStatus) {
    }

    public record FolderOption(String id, String label) {
    }

    public record MailboxPage(MailboxInfo mailbox, String base, List<FolderRow> folders, FolderRow current,
            List<MessageRow> messages, int shown, int total, List<FolderOption> destinations, String notice) {
    }
}
