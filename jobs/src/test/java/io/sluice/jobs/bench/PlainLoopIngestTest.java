package io.sluice.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.quickstart.EmbeddedStack;
import io.sluice.jobs.quickstart.PageViewEvents;
import io.sluice.jobs.quickstart.ProduceSummary;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's reference loop against a real MiniDFSCluster, log-core and registry: a correctness test, no timing. */
class PlainLoopIngestTest {
    private static final String TOPIC = "page_views";
    private static final int EVENTS = 6_000;
    private static final PageViewEvents.Options OPTIONS = PageViewEvents.Options.defaults()
            .withEnd(Instant.parse("2026-11-25T12:00:00Z")).withSpan(Duration.ofHours(3)).withSeed(7);
    private static final Pattern FILE_NAME = Pattern.compile("page_views\\+(\\d+)\\+(\\d+)\\+(\\d+)\\.avro");
    private static final DateTimeFormatter HOUR_PATH = DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hr='HH").withZone(ZoneOffset.UTC);

    @TempDir
    static Path dir;
    static EmbeddedStack stack;

    @BeforeAll
    static void start() {
        stack = EmbeddedStack.start(dir, true);
        stack.createTopic(TOPIC, 3);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void ingestsExactlyTheProducedRecordsIntoTheirEventTimeHours() throws Exception {
        ProduceSummary produced = PageViewEvents.produce(stack.bootstrap(), stack.registryUrl(), TOPIC, EVENTS, OPTIONS);
        Map<Integer, Long> ends = stack.endOffsets(TOPIC);
        assertThat(produced.count()).isEqualTo(EVENTS);
        assertThat(ends).isEqualTo(produced.endOffsets());
        URI root = stack.uri("/tables/page_views");

        long[] reportedRows = {0};
        PlainLoopIngest.Result result = new PlainLoopIngest(PlainLoopIngest.Settings
                .of(stack.bootstrap(), stack.registryUrl(), TOPIC, root, stack.hadoop())
                .withCommitInterval(Duration.ofMillis(500)))
                .stopAt(ends)
                .onCommit((committedAt, timestamps, count) -> reportedRows[0] += count)
                .run();

        assertThat(result.records()).isEqualTo(EVENTS);
        assertThat(reportedRows[0]).as("rows told to the commit listener").isEqualTo(EVENTS);
        Set<String> expectedIds = new HashSet<>();
        PageViewEvents.generator(OPTIONS, EVENTS).forEachRemaining(r -> expectedIds.add(r.get("event_id").toString()));
        Set<String> eventIds = new HashSet<>();
        Set<String> sourcePositions = new HashSet<>();
        Map<Integer, long[]> offsetRange = new HashMap<>();
        List<String> misplaced = new ArrayList<>();
        int rows = 0;
        int files = 0;
        try (FileSystem fs = FileSystem.newInstance(root, stack.hadoop())) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(new org.apache.hadoop.fs.Path(root), true);
            while (it.hasNext()) {
                org.apache.hadoop.fs.Path p = it.next().getPath();
                String relative = new URI(root.toString()).relativize(p.toUri()).getPath();
                if (relative.startsWith("_plain/")) {
                    assertThat(relative).as("nothing left in the temporary folder").startsWith("_plain/journal/");
                    continue;
                }
                files++;
                Matcher m = FILE_NAME.matcher(p.getName());
                assertThat(m.matches()).as("file name %s", relative).isTrue();
                int partition = Integer.parseInt(m.group(1));
                long first = Long.parseLong(m.group(2));
                long last = Long.parseLong(m.group(3));
                String hourDir = relative.substring(0, relative.lastIndexOf('/'));
                try (DataFileStream<GenericRecord> reader = new DataFileStream<>(fs.open(p), new GenericDatumReader<>())) {
                    assertThat(reader.getMetaString("avro.codec")).isEqualTo("snappy");
                    for (GenericRecord r : reader) {
                        rows++;
                        eventIds.add(r.get("event_id").toString());
                        GenericRecord meta = (GenericRecord) r.get("_sluice");
                        assertThat(meta.get("topic").toString()).isEqualTo(TOPIC);
                        assertThat(meta.get("partition")).isEqualTo(partition);
                        long offset = (Long) meta.get("offset");
                        assertThat(offset).isBetween(first, last);
                        sourcePositions.add(partition + "@" + offset);
                        offsetRange.merge(partition, new long[] {offset, offset},
                                (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                        long eventTime = (Long) r.get("event_time");
                        assertThat((Long) meta.get("timestamp")).isEqualTo(eventTime); // CreateTime = event_time
                        if (!HOUR_PATH.format(Instant.ofEpochMilli(eventTime)).equals(hourDir)) {
                            misplaced.add(relative + ": " + Instant.ofEpochMilli(eventTime));
                        }
                    }
                }
            }
            assertThat(fs.listStatus(new org.apache.hadoop.fs.Path(root.toString() + "/_plain/journal"))).hasSize(3);
        }

        assertThat(rows).isEqualTo(EVENTS);
        assertThat(eventIds).hasSize(EVENTS).isEqualTo(expectedIds);
        assertThat(sourcePositions).hasSize(EVENTS);
        assertThat(misplaced).isEmpty();
        assertThat(files).isEqualTo(result.files());
        ends.forEach((partition, end) -> assertThat(offsetRange.get(partition)).as("partition %d", partition)
                .containsExactly(0L, end - 1));
        assertThat(new HashSet<>(dirsOf(root))).as("a 3-hour span plus late events covers 3 or 4 hours")
                .hasSizeBetween(3, 4);
    }

    private static List<String> dirsOf(URI root) throws IOException {
        List<String> dirs = new ArrayList<>();
        try (FileSystem fs = FileSystem.newInstance(root, stack.hadoop())) {
            for (var day : fs.globStatus(new org.apache.hadoop.fs.Path(root.toString() + "/dt=*/hr=*"))) {
                dirs.add(day.getPath().getParent().getName() + "/" + day.getPath().getName());
            }
        }
        return dirs;
    }
}
