package io.sluice.jobs.quickstart;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Generates {@link PageViewEvents#SCHEMA page views}, the same sequence for the same options (seed, end, span).
 *
 * <p>Bulk mode ({@link #next()}): event {@code i} of {@code n} is based at {@code end - span + span * i / n}, so
 * event times climb steadily over the span; a {@code lateFraction} of events is moved back by 1 minute up to
 * {@code maxLateness} (never before the start of the span). Live mode ({@link #next(long)}): the caller gives
 * the base time (the wall clock) and the same late-event rule applies.
 *
 * <p>Not thread-safe: one generator per producing thread.
 */
public final class PageViewGenerator implements Iterator<GenericRecord> {
    private static final long MIN_LATENESS_MS = Duration.ofMinutes(1).toMillis();
    private static final long SESSION_MS = Duration.ofMinutes(30).toMillis();
    private static final int USERS = 20_000;
    private static final int PRODUCTS = 2_000;

    private static final String[] PAGES = {"/", "/products/", "/products/", "/products/", "/search?q=", "/cart", "/checkout",
            "/blog/", "/account", "/help"};
    private static final String[] SEARCH_TERMS = {"shoes", "jacket", "lamp", "coffee", "headphones", "desk", "tent", "socks"};
    private static final String[] EXTERNAL_REFERRERS = {"https://www.google.com/", "https://www.bing.com/",
            "https://duckduckgo.com/", "https://news.ycombinator.com/", "https://www.reddit.com/", "https://t.co/",
            "https://www.facebook.com/", "https://newsletter.example.org/"};
    /** Countries with cumulative weights (per mille). */
    private static final String[] COUNTRIES = {"US", "DE", "GB", "FR", "IN", "BR", "JP", "CA", "NL", "ES", "IT", "PL", "SE", "AU", "MX"};
    private static final int[] COUNTRY_CUMULATIVE = {300, 420, 510, 580, 660, 720, 770, 820, 850, 880, 910, 935, 955, 980, 1000};
    private static final String[] DEVICES = {"desktop", "mobile", "tablet", "tv"};
    private static final int[] DEVICE_CUMULATIVE = {500, 900, 980, 1000};
    private static final String SITE = "https://shop.example.com";

    private final PageViewEvents.Options options;
    private final long count;
    private final long start;
    private final SplittableRandom random;
    private long produced;

    PageViewGenerator(PageViewEvents.Options options, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("event count must be >= 0, got " + count);
        }
        this.options = options;
        this.count = count;
        this.start = options.end().toEpochMilli() - options.span().toMillis();
        this.random = new SplittableRandom(options.seed());
    }

    @Override
    public boolean hasNext() {
        return produced < count;
    }

    /** The next event of the bulk sequence (see the class comment). */
    @Override
    public GenericRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + count + " page views generated");
        }
        long span = options.span().toMillis();
        // i * span / n without overflow for any realistic n and span (both well below 2^31 ms * 2^32 events)
        long base = start + (long) ((double) span * produced / Math.max(1, count));
        return next(base);
    }

    /** An event based at {@code baseTime} (epoch millis), late with the configured probability. */
    public GenericRecord next(long baseTime) {
        produced++;
        long eventTime = baseTime + random.nextLong(0, 1_000); // jitter inside a second keeps the order "mostly"
        if (random.nextDouble() < options.lateFraction()) {
            long room = Math.min(options.maxLateness().toMillis(), baseTime - start);
            if (room > MIN_LATENESS_MS) {
                eventTime = baseTime - random.nextLong(MIN_LATENESS_MS, room + 1);
            }
        }
        GenericRecord r = new GenericData.Record(PageViewEvents.SCHEMA);
        r.put("event_id", uuid().toString());
        // Squaring a uniform draw skews traffic towards low user numbers: a few heavy users, a long tail.
        double u = random.nextDouble();
        int user = (int) (u * u * USERS);
        String userId = String.format("u-%06d", user);
        r.put("user_id", userId);
        r.put("session_id", userId + "-" + Long.toString(Math.floorDiv(eventTime, SESSION_MS), 36));
        r.put("url", url());
        r.put("referrer", referrer());
        r.put("country", COUNTRIES[weighted(COUNTRY_CUMULATIVE)]);
        r.put("device", DEVICES[weighted(DEVICE_CUMULATIVE)]);
        // log-normal around e^8.5 ms (~5 s), clamped to [50 ms, 10 min]
        double duration = Math.exp(8.5 + 1.1 * random.nextGaussian());
        r.put("duration_ms", (int) Math.max(50, Math.min(600_000, duration)));
        r.put("event_time", eventTime);
        return r;
    }

    /** How many events this generator has made. */
    public long generated() {
        return produced;
    }

    private UUID uuid() {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // IETF variant
        return new UUID(msb, lsb);
    }

    private String url() {
        String page = PAGES[random.nextInt(PAGES.length)];
        return switch (page) {
            case "/products/" -> SITE + page + (1 + random.nextInt(PRODUCTS));
            case "/search?q=" -> SITE + page + SEARCH_TERMS[random.nextInt(SEARCH_TERMS.length)];
            case "/blog/" -> SITE + page + "post-" + (1 + random.nextInt(120));
            default -> SITE + page;
        };
    }

    private String referrer() {
        int kind = random.nextInt(10);
        if (kind < 4) {
            return null; // direct
        }
        if (kind < 7) {
            return EXTERNAL_REFERRERS[random.nextInt(EXTERNAL_REFERRERS.length)];
        }
        return SITE + "/products/" + (1 + random.nextInt(PRODUCTS)); // internal navigation
    }

    private int weighted(int[] cumulativePerMille) {
        int x = random.nextInt(1000);
        for (int i = 0; i < cumulativePerMille.length; i++) {
            if (x < cumulativePerMille[i]) {
                return i;
            }
        }
        return cumulativePerMille.length - 1;
    }
}
