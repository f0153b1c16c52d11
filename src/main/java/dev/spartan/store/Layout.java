package dev.spartan.store;

/**
 * The version of the store's layout (which maps or keys hold what, and what the records in them mean), written in
 * the store (MVStore {@code meta.layout}, Redis {@code sp:layout}). Changes within a layout are additive only: new
 * record fields, new event kinds, new maps or keys, each ignored by a node that does not know it, so nodes of two
 * versions of one layout share a store during a rolling upgrade. A change an older node would misread takes a new
 * layout number, and a node refuses a store whose layout is newer than the one it knows.
 */
public final class Layout {
    /** The layout this version writes and reads. */
    public static final int VERSION = 2;

    /**
     * The embedded store's layout: 3 is the store in RocksDB ({@code DATA/store/}, a column family per map), which a
     * node of layout 2 (one MVStore file, {@code DATA/spartan.mv}) cannot read. Its records are those of {@link
     * #VERSION}; Redis stays at {@link #VERSION}.
     */
    public static final int EMBEDDED = 3;

    /** Written into every stored message and event record (field 15), so a record says which layout wrote it. */
    static final int RECORD_VERSION = VERSION;

    private Layout() {}

    /**
     * Refuses a store of a newer layout, before anything is written to it.
     *
     * @param found the layout the store says it has, or null for a store without one (older than versioning)
     * @param store how to name the store to the operator
     */
    static void requireKnown(String found, String store) {
        requireKnown(found, VERSION, store);
    }

    /** As {@link #requireKnown(String, String)}, against the layout {@code known}. */
    static void requireKnown(String found, int known, String store) {
        if (found == null) {
            return;
        }
        int layout;
        try {
            layout = Integer.parseInt(found.strip());
        } catch (NumberFormatException e) {
            throw new StoreOpenException(store + " has a layout this version cannot read ('" + found + "')", e);
        }
        if (layout > known) {
            throw new StoreOpenException(
                    store + " has store layout " + layout + ", newer than this version knows (" + known
                            + "): run a version that knows it (README, Upgrades and rollback)",
                    null);
        }
    }
}
