package dev.spartan.client;

/**
 * The message actions a user opts into (issue 26); both are off unless asked for.
 *
 * @param readReceipts send a read receipt for each 1:1 message shown in the open chat ({@code --read-receipts})
 * @param typing       send typing indicators while typing in a chat on a terminal, and show others' ({@code
 *                     --typing})
 */
public record ActionOptions(boolean readReceipts, boolean typing) {
    public static final ActionOptions NONE = new ActionOptions(false, false);
}
