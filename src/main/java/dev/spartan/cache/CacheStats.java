package dev.spartan.cache;

/** A snapshot of one memoized method's cache, for tests and metrics. */
public record CacheStats(long hits, long misses, int size) {}
