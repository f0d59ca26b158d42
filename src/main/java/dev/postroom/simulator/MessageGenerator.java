package dev.postroom.simulator;

import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes plausible messages from a seed, newest first: the same seed always makes the same messages. Bodies come from
 * a small fixed set so that 100,000 messages stay small in memory.
 */
final class MessageGenerator {

    enum Bucket { INBOX, PROJECTS, RECEIPTS, ARCHIVE, SENT }

    record Generated(Bucket bucket, NewMessage message) {
    }

    /** Generated mail is received before this instant, going back about 40 seconds to 2 hours per message. */
    static final Instant NEWEST = Instant.parse("2026-11-01T08:00:00Z");

    private static final String[] TOPICS = {
            "Quarterly report", "Team offsite", "Invoice", "Project Aurora", "Budget review", "Release notes",
            "Weekly sync", "Design review", "Travel plans", "Customer feedback", "Security update", "Hiring plan",
            "Roadmap", "Lunch on Friday", "Contract renewal", "Newsletter", "Support ticket", "Build failure",
            "Welcome aboard", "Survey results", "Onboarding checklist", "Migration plan", "Incident review", "Pricing"};
    private static final String[] PREFIXES = {"", "", "", "", "Re: ", "Re: ", "Fwd: ", "Re: Re: "};
    private static final Recipient[] SENDERS = {
            new Recipient("Ada Lovelace", "ada@analytical.example"), new Recipient("Grace Hopper", "grace@navy.example"),
            new Recipient("Alan Turing", "alan@bletchley.example"), new Recipient("Katherine Johnson", "katherine@nasa.example"),
            new Recipient("Linus Torvalds", "linus@kernel.example"), new Recipient("Margaret Hamilton", "margaret@apollo.example"),
            new Recipient("Tim Berners-Lee", "tim@w3.example"), new Recipient("Barbara Liskov", "barbara@mit.example"),
            new Recipient("Donald Knuth", "don@tex.example"), new Recipient("Frances Allen", "frances@ibm.example"),
            new Recipient("Billing", "billing@shop.example"), new Recipient("Newsletter", "news@updates.example"),
            new Recipient("Edsger Dijkstra", "edsger@tue.example"), new Recipient("Radia Perlman", "radia@net.example"),
            new Recipient("Ken Thompson", "ken@bell.example"), new Recipient("Hedy Lamarr", "hedy@radio.example")};
    private static final String[] SENTENCES = {
            "Please find the details below.", "Can we talk about this tomorrow?", "The numbers look better than last month.",
            "I have attached the latest version.", "Let me know what you think.", "This needs a decision by Friday.",
            "Thanks for the quick turnaround.", "We are still waiting for the vendor.", "The meeting moved to 3 pm.",
            "Nothing urgent, just keeping you in the loop.", "I fixed the issue we discussed.", "See you at the offsite."};
    private static final List<String> BODIES = bodies();

    private final SplittableRandom random;
    private final Recipient owner;
    private Instant received = NEWEST;

    MessageGenerator(long seed, Recipient owner) {
        this.random = new SplittableRandom(seed);
        this.owner = owner;
    }

    Generated next() {
        received = received.minusSeconds(40 + random.nextInt(7200));
        int bucketRoll = random.nextInt(100);
        Bucket bucket = bucketRoll < 60 ? Bucket.INBOX : bucketRoll < 70 ? Bucket.PROJECTS
                : bucketRoll < 75 ? Bucket.RECEIPTS : bucketRoll < 88 ? Bucket.ARCHIVE : Bucket.SENT;
        Recipient correspondent = SENDERS[random.nextInt(SENDERS.length)];
        String subject = PREFIXES[random.nextInt(PREFIXES.length)] + TOPICS[random.nextInt(TOPICS.length)] + " "
                + (1 + random.nextInt(999));
        String body = BODIES.get(random.nextInt(BODIES.size()));
        int flagRoll = random.nextInt(100);
        int importanceRoll = random.nextInt(100);
        boolean sent = bucket == Bucket.SENT;
        NewMessage message = new NewMessage(subject,
                sent ? owner : correspondent,
                List.of(sent ? correspondent : owner),
                List.of(),
                body,
                received,
                sent || random.nextInt(100) < 80,
                sent ? SimMessage.NOT_FLAGGED : flagRoll < 5 ? SimMessage.FLAGGED : flagRoll < 7 ? SimMessage.COMPLETE : SimMessage.NOT_FLAGGED,
                importanceRoll < 3 ? "high" : importanceRoll < 5 ? "low" : "normal",
                random.nextInt(100) < 5 ? List.of("Blue category") : List.of(),
                random.nextInt(100) < 10,
                false);
        return new Generated(bucket, message);
    }

    private static List<String> bodies() {
        SplittableRandom random = new SplittableRandom(42);
        String[] bodies = new String[64];
        for (int i = 0; i < bodies.length; i++) {
            StringBuilder body = new StringBuilder("Hi,\n\n");
            int sentences = 3 + random.nextInt(4);
            for (int s = 0; s < sentences; s++) {
                body.append(SENTENCES[random.nextInt(SENTENCES.length)]).append(' ');
            }
            bodies[i] = body.append("\n\nBest regards").toString();
        }
        return List.of(bodies);
    }
}
