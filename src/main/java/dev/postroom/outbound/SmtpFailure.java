package dev.postroom.outbound;

import io.vertx.ext.mail.SMTPException;

import java.util.concurrent.TimeoutException;

/**
 * What an SMTP failure means for the email: permanent (5xx: the relay refuses it, e.g. an invalid recipient) or
 * transient (4xx, connection errors, timeouts: worth another attempt).
 */
record SmtpFailure(boolean permanent, Integer code, String message) {

    static SmtpFailure of(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof SMTPException)) {
            cause = cause.getCause();
        }
        if (cause instanceof SMTPException smtp) {
            return new SmtpFailure(smtp.isPermanent(), smtp.getReplyCode(), trim(smtp.getMessage()));
        }
        if (cause instanceof TimeoutException || failure instanceof TimeoutException) {
            return new SmtpFailure(false, null, "timed out talking to the SMTP server");
        }
        return new SmtpFailure(false, null, trim(cause.getClass().getSimpleName() + ": " + cause.getMessage()));
    }

    private static String trim(String message) {
        if (message == null) {
            return null;
        }
        String oneLine = message.replaceAll("\\s+", " ").strip();
        return oneLine.length() > 500 ? oneLine.substring(0, 497) + "..." : oneLine;
    }
}
