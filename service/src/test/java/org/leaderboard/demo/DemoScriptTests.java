package org.leaderboard.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The demo's stream as a function of time, on a clock the test drives: a few gifts a second,
 * surges of many more for one fundraiser at their times, refunds only of earlier steps' gifts and
 * never past them, shares, anonymous donors, messages in both languages, fresh ids every run.
 */
class DemoScriptTests {

    static final DemoProperties PROPERTIES = new DemoProperties(true, 3, Duration.ofMillis(250),
            Duration.ofSeconds(45), Duration.ofMinutes(4), Duration.ofSeconds(20), 8, 0.02, 0.7, 1);

    @Test
    void aFewGiftsASecondAndASurgeOfManyMoreForOneFundraiserEveryFewMinutes() {
        DemoScript script = new DemoScript(PROPERTIES, new Random(42), "run1");
        Map<Long, Integer> giftsBySecond = new HashMap<>();
        Map<Long, Map<String, Integer>> surgeGifts = new HashMap<>();
        for (long t = 250; t <= Duration.ofMinutes(10).toMillis(); t += 250) {
            for (Map<String, Object> event : script.step(t)) {
                if (event.get("type").equals("donation")) {
                    giftsBySecond.merge((t - 1) / 1000, 1, Integer::sum);
                    if (script.surging(t)) {
                        surgeGifts.computeIfAbsent((t - 45_000) / 240_000, s -> new HashMap<>())
                                .merge(String.valueOf(event.get("fundraiserId")), 1, Integer::sum);
                    }
                }
            }
        }
        double calm = averagePerSecond(giftsBySecond, 0, 45);
        double surge = averagePerSecond(giftsBySecond, 45, 65);
        assertThat(calm).as("gifts a second outside a surge").isBetween(2.0, 4.0);
        assertThat(surge).as("gifts a second in the first surge").isBetween(18.0, 30.0);
        assertThat(averagePerSecond(giftsBySecond, 65, 285)).isBetween(2.0, 4.0);
        assertThat(averagePerSecond(giftsBySecond, 285, 305)).as("the second surge, 4 minutes later")
                .isBetween(18.0, 30.0);
        assertThat(surgeGifts).hasSize(3);
        Set<String> virals = new HashSet<>();
        surgeGifts.values().forEach(byFundraiser -> {
            Map.Entry<String, Integer> top = byFundraiser.entrySet().stream().max(Map.Entry.comparingByValue()).get();
            int all = byFundraiser.values().stream().mapToInt(Integer::intValue).sum();
            assertThat(top.getValue()).as("most of a surge's gifts go to its fundraiser").isGreaterThan(all / 2);
            virals.add(top.getKey());
        });
        assertThat(virals).as("each surge is another fundraiser's").hasSize(3);
    }

    @Test
    void refundsTakeBackOnlyEarlierGiftsAndNeverMoreThanThem() {
        DemoScript script = new DemoScript(PROPERTIES, new Random(7), "run2");
        Map<String, Long> given = new HashMap<>();
        Map<String, Long> refunded = new HashMap<>();
        List<Map<String, Object>> all = new ArrayList<>();
        for (long t = 250; t <= Duration.ofMinutes(20).toMillis(); t += 250) {
            List<Map<String, Object>> step = script.step(t);
            Set<String> thisStep = new HashSet<>();
            for (Map<String, Object> event : step) {
                String id = (String) event.get("eventId");
                switch ((String) event.get("type")) {
                    case "donation" -> {
                        given.put(id, (Long) event.get("amountMinor"));
                        thisStep.add(id);
                    }
                    case "refund" -> {
                        String gift = (String) event.get("donationEventId");
                        assertThat(given).as("a refund of an earlier step's gift").containsKey(gift);
                        assertThat(thisStep).doesNotContain(gift);
                        assertThat(refunded.merge(gift, (Long) event.get("amountMinor"), Long::sum))
                                .isLessThanOrEqualTo(given.get(gift));
                        assertThat((Long) event.get("amountMinor")).isPositive();
                    }
                    default -> assertThat(event.get("type")).isEqualTo("share");
                }
                all.add(event);
            }
        }
        assertThat(refunded).as("refunds happen").hasSizeGreaterThan(10);
        assertThat(all).extracting(e -> e.get("eventId")).doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat((String) id).startsWith("demo-run2-"));
        assertThat(all).filteredOn(e -> e.get("type").equals("share")).hasSizeGreaterThan(500)
                .allSatisfy(e -> assertThat(DemoCast.CHANNELS).contains((String) e.get("channel")));
        List<Map<String, Object>> gifts = all.stream().filter(e -> e.get("type").equals("donation")).toList();
        assertThat(gifts).filteredOn(e -> Boolean.TRUE.equals(e.get("anonymous"))).hasSizeGreaterThan(gifts.size() / 10);
        assertThat(gifts).filteredOn(e -> !e.containsKey("fundraiserId")).as("gifts to the campaign itself")
                .isNotEmpty();
        assertThat(gifts).extracting(e -> e.get("message")).contains("Allez, on lâche rien !", "Go for it!");
        assertThat(gifts).allSatisfy(e -> assertThat(e).containsEntry("currency", "EUR")
                .containsEntry("campaignId", "demo"));
    }

    @Test
    void theSameSeedGivesTheSameStreamAndAPauseIsCaughtUpInOneBoundedStep() {
        DemoScript a = new DemoScript(PROPERTIES, new Random(3), "r");
        DemoScript b = new DemoScript(PROPERTIES, new Random(3), "r");
        for (long t = 250; t <= 30_000; t += 250) {
            assertThat(a.step(t)).isEqualTo(b.step(t));
        }
        List<Map<String, Object>> caughtUp = a.step(30_000 + Duration.ofMinutes(30).toMillis());
        assertThat(caughtUp).as("30 minutes in one step, capped").hasSize(DemoScript.MAX_EVENTS_PER_STEP);
        List<Map<String, Object>> next = a.step(30_000 + Duration.ofMinutes(30).toMillis() + 250);
        assertThat(next.size()).as("then a step's worth again").isLessThan(20);
    }

    static double averagePerSecond(Map<Long, Integer> bySecond, long from, long to) {
        long sum = 0;
        for (long s = from; s < to; s++) {
            sum += bySecond.getOrDefault(s, 0);
        }
        return (double) sum / (to - from);
    }
}
