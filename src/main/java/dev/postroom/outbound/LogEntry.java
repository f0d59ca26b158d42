package dev.postroom.outbound;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One email as the delivery log shows it. {@code history} is only filled in for a single entry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogEntry(
        UUID id,
        List<String> to,
        List<String> cc,
        List<String> bcc,
        String from,
        String replyTo,
        String subject,
        String status,
        int attempts,
        Instant createdAt,
        Instant sentAt,
        Instant failedAt,
        @JsonInclude(JsonInclude.Include.ALWAYS) SmtpError error,
        List<Attempt> history) {

    /** The SMTP reply code (null for a connection error or timeout) and message of the last failure. */
    public record SmtpError(Integer code, String message) {
    }

    public record Attempt(int number, Instant startedAt, Instant finishedAt, String outcome, Integer smtpCode, String message) {
    }

    LogEntry withHistory(List<Attempt> attempts) {
        return new LogEntry(id, to, cc, bcc, from, replyTo, subject, status, this.attempts, createdAt, sentAt, failedAt,
                error, attempts);
    }
}
