package org.leaderboard.leaderboard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.databind.json.JsonMapper;

/**
 * A campaign's viral mechanics as its live state holds them (the generation's {@code viral}
 * hash): the definitions of its pledges, matches and milestones, what each match has matched,
 * and when each milestone was reached. Fields: {@code p:<id>}, {@code m:<id>}, {@code ms:<id>}
 * (definitions, JSON), {@code mm:<id>} (matched minor units), {@code r:<id>} (reached, epoch ms).
 */
public record ViralState(List<Pledge> pledges, List<Match> matches, Map<String, Long> matched,
        List<Milestone> milestones) {

    public static final ViralState NONE = new ViralState(List.of(), List.of(), Map.of(), List.of());

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static {
        // Build Jackson's (de)serializers now, at class loading on a start-up thread, not on an event loop.
        read(fields(List.of(new Pledge("p", "S", 1, 2, 3L, 4L)),
                List.of(new Match("m", "S", 100, 1, Instant.EPOCH, Instant.EPOCH.plusSeconds(1))),
                List.of(new Milestone("ms", "raisedMinor", 1, "L", Instant.EPOCH)), Map.of("m", 1L)));
    }

    /** What pledges and matches earned at {@code shares} counted shares. */
    public long sponsorMinor(long shares) {
        long sum = 0;
        for (Pledge p : pledges) {
            sum = Math.addExact(sum, p.earned(shares));
        }
        for (long m : matched.values()) {
            sum = Math.addExact(sum, m);
        }
        return sum;
    }

    public long matchedMinor(String matchId) {
        return matched.getOrDefault(matchId, 0L);
    }

    /** Reads the hash as HGETALL answers it: field, value, field, value… */
    static ViralState read(List<?> flat) {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return read(fields);
    }

    static ViralState read(Map<String, String> fields) {
        if (fields.isEmpty()) {
            return NONE;
        }
        List<Pledge> pledges = new ArrayList<>();
        List<Match> matches = new ArrayList<>();
        Map<String, Long> matched = new LinkedHashMap<>();
        Map<String, StoredMilestone> milestones = new HashMap<>();
        Map<String, Instant> reached = new HashMap<>();
        fields.forEach((field, value) -> {
            int colon = field.indexOf(':');
            String kind = field.substring(0, colon);
            String id = field.substring(colon + 1);
            switch (kind) {
                case "p" -> {
                    StoredPledge s = JSON.readValue(value, StoredPledge.class);
                    pledges.add(new Pledge(id, s.sponsor(), s.perShareMinor(), s.capMinor(), s.bonusAtShares(),
                            s.bonusMinor()));
                }
                case "m" -> {
                    StoredMatch s = JSON.readValue(value, StoredMatch.class);
                    matches.add(new Match(id, s.sponsor(), s.ratioPercent(), s.capMinor(),
                            Instant.ofEpochMilli(s.startsAt()), Instant.ofEpochMilli(s.endsAt())));
                }
                case "mm" -> matched.put(id, Long.parseLong(value));
                case "ms" -> milestones.put(id, JSON.readValue(value, StoredMilestone.class));
                case "r" -> reached.put(id, Instant.ofEpochMilli(Long.parseLong(value)));
                default -> {
                    // A field of a later version: ignored, as a rebuild would drop it.
                }
            }
        });
        pledges.sort(Comparator.comparing(Pledge::id));
        matches.sort(Comparator.comparing(Match::endsAt).thenComparing(Match::id));
        matched.keySet().retainAll(matches.stream().map(Match::id).toList());
        List<Milestone> list = new ArrayList<>();
        milestones.forEach((id, s) -> list.add(new Milestone(id, s.metric(), s.threshold(), s.label(), reached.get(id))));
        list.sort(Comparator.comparing(Milestone::metric).thenComparingLong(Milestone::threshold)
                .thenComparing(Milestone::id));
        return new ViralState(List.copyOf(pledges), List.copyOf(matches), Map.copyOf(matched), List.copyOf(list));
    }

    /** The hash's fields for these definitions and figures (a rebuild writes them all at once). */
    static Map<String, String> fields(List<Pledge> pledges, List<Match> matches, List<Milestone> milestones,
            Map<String, Long> matched) {
        Map<String, String> fields = new LinkedHashMap<>();
        pledges.forEach(p -> fields.put("p:" + p.id(), pledgeJson(p)));
        matches.forEach(m -> fields.put("m:" + m.id(), matchJson(m)));
        milestones.forEach(m -> {
            fields.put("ms:" + m.id(), milestoneJson(m));
            if (m.reachedAt() != null) {
                fields.put("r:" + m.id(), Long.toString(m.reachedAt().toEpochMilli()));
            }
        });
        matched.forEach((id, amount) -> fields.put("mm:" + id, Long.toString(amount)));
        return fields;
    }

    static String pledgeJson(Pledge p) {
        return JSON.writeValueAsString(new StoredPledge(p.sponsor(), p.perShareMinor(), p.capMinor(),
                p.bonusAtShares(), p.bonusMinor()));
    }

    static String matchJson(Match m) {
        return JSON.writeValueAsString(new StoredMatch(m.sponsor(), m.ratioPercent(), m.capMinor(),
                m.startsAt().toEpochMilli(), m.endsAt().toEpochMilli()));
    }

    static String milestoneJson(Milestone m) {
        return JSON.writeValueAsString(new StoredMilestone(m.metric(), m.threshold(), m.label()));
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record StoredPledge(String sponsor, long perShareMinor, long capMinor, Long bonusAtShares,
            Long bonusMinor) {
    }

    private record StoredMatch(String sponsor, int ratioPercent, long capMinor, long startsAt, long endsAt) {
    }

    private record StoredMilestone(String metric, long threshold, String label) {
    }
}
