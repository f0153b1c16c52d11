package dev.spartan.client;

/**
 * What a client does beyond the protocol's minimum.
 *
 * @param durableOutbox    keep unsent messages in files in the key directory, so that quitting or a crash loses none
 * @param deliveryReceipts send the peer an end-to-end encrypted receipt for each 1:1 message shown
 * @param sendStream       send on one SendStream with a sliding window; false sends each message with SendMsg and
 *                         waits for its answer before the next (the send path before SendStream, kept so that the
 *                         bench can compare the two)
 */
public record ClientFeatures(boolean durableOutbox, boolean deliveryReceipts, boolean sendStream) {
    /** A client for a program (a benchmark, a test): nothing on disk but the keys, no receipts. */
    public static final ClientFeatures NONE = new ClientFeatures(false, false);

    /** Like {@link #NONE}, but sending one message at a time with SendMsg. */
    public static final ClientFeatures ONE_AT_A_TIME = new ClientFeatures(false, false, false);

    public ClientFeatures(boolean durableOutbox, boolean deliveryReceipts) {
        this(durableOutbox, deliveryReceipts, true);
    }
}
