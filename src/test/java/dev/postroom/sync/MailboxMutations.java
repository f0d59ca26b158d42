package dev.postroom.sync;

import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.simulator.SimFolder;
import dev.postroom.simulator.SimMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What people do in Outlook, at random (seeded): read, unread, flag, move, delete and receive mail, and create,
 * rename and delete folders. Acts through the simulator's Java API, which changes the mailbox exactly as Graph
 * calls would.
 */
final class MailboxMutations {

    private final OutlookSimulator simulator;
    private final String address;
    private final Random random;
    private final List<String> createdFolders = new ArrayList<>();
    private int counter;

    MailboxMutations(OutlookSimulator simulator, String address, long seed) {
        this.simulator = simulator;
        this.address = address;
        this.random = new Random(seed);
    }

    /** Makes {@code count} random changes, pausing up to {@code pauseMillis} between them. */
    void run(int count, int pauseMillis) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            one();
            if (pauseMillis > 0) {
                Thread.sleep(random.nextInt(pauseMillis + 1));
            }
        }
    }

    private void one() {
        List<SimMessage> messages = simulator.snapshot(address).messages();
        int dice = random.nextInt(100);
        if (messages.isEmpty() || dice < 8) {
            simulator.newMail(address, "New " + (++counter), "sender" + counter + "@example.org");
            return;
        }
        SimMessage message = messages.get(random.nextInt(messages.size()));
        if (dice < 35) {
            simulator.markRead(address, message.id(), !message.isRead());
        } else if (dice < 50) {
            simulator.flag(address, message.id(), SimMessage.FLAG_STATUSES.get(random.nextInt(3)));
        } else if (dice < 70) {
            List<SimFolder> folders = movableFolders();
            simulator.move(address, message.id(), folders.get(random.nextInt(folders.size())).id());
        } else if (dice < 80) {
            simulator.delete(address, message.id());
        } else if (dice < 88) {
            createdFolders.add(simulator.createFolder(address, random.nextBoolean() ? null : "inbox",
                    "Folder " + (++counter)).id());
        } else if (dice < 94 && !createdFolders.isEmpty()) {
            String folder = createdFolders.get(random.nextInt(createdFolders.size()));
            simulator.renameFolder(address, folder, "Renamed " + (++counter));
        } else if (!createdFolders.isEmpty()) {
            String folder = createdFolders.remove(random.nextInt(createdFolders.size()));
            simulator.deleteFolder(address, folder);
            // Its subfolders went with it.
            createdFolders.removeIf(id -> simulator.folders(address).stream().noneMatch(f -> f.id().equals(id)));
        } else {
            simulator.markRead(address, message.id(), !message.isRead());
        }
    }

    private List<SimFolder> movableFolders() {
        return simulator.folders(address).stream()
                .filter(f -> !"msgfolderroot".equals(f.wellKnownName()) && !f.isHidden())
                .toList();
    }
}
