package org.leaderboard.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PromQL queries of the Grafana dashboards kept in the repository, and the series each one
 * selects: a metric name and the labels it requires to equal a literal value. Only what the
 * dashboards use is read: selectors, functions, aggregations with {@code by}/{@code without},
 * vector matching clauses, ranges, strings, numbers.
 */
final class DashboardQueries {

    /** A panel's query (or a template variable's), where it was found. */
    record Query(String where, String expr) {
    }

    /** {@code name{label="value", …}}: the labels compared with {@code =} to a literal, without Grafana variables. */
    record Selector(String metric, Map<String, String> labels) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // Operators, and aggregations (which may be followed by "by (…)" rather than their argument).
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan", "sum", "min", "max", "avg", "group",
            "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");
    // Grafana's template functions, not PromQL: their first argument is the metric.
    private static final Pattern TEMPLATE_FUNCTION =
            Pattern.compile("^\\s*(?:label_values|query_result)\\(\\s*(.+?)\\s*(?:,\\s*[A-Za-z_]\\w*\\s*)?\\)\\s*$");

    private DashboardQueries() {
    }

    /** Every query of every dashboard (*.json) in {@code folder}: panels' targets (in rows too) and template variables. */
    static List<Query> read(Path folder) {
        List<Query> queries = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = JSON.readTree(Files.readString(file));
                panels(file.getFileName().toString(), dashboard.path("panels"), queries);
                for (JsonNode variable : dashboard.path("templating").path("list")) {
                    if ("query".equals(variable.path("type").asString())) {
                        JsonNode query = variable.path("query");
                        String text = query.isObject() ? query.path("query").asString() : query.asString();
                        Matcher function = TEMPLATE_FUNCTION.matcher(text);
                        queries.add(new Query(file.getFileName() + " variable " + variable.path("name").asString(),
                                function.matches() ? function.group(1) : text));
                    }
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return queries;
    }

    private static void panels(String where, JsonNode panels, List<Query> queries) {
        for (JsonNode panel : panels) {
            String title = where + " panel '" + panel.path("title").asString() + "'";
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(title + " " + target.path("refId").asString(), target.path("expr").asString()));
            }
            panels(where, panel.path("panels"), queries);
        }
    }

    /** The series selectors of one PromQL expression, in order. */
    static List<Selector> selectors(String expr) {
        List<Selector> selectors = new ArrayList<>();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = endOfString(expr, i);
            }
            else if (c == '[') {
                i = expr.indexOf(']', i) + 1;
            }
            else if (Character.isDigit(c) || c == '.') {
                // A number, a duration (5m) or an exponent: never a name.
                while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++;
                }
            }
            else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_'
                        || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = skipSpaces(expr, i);
                char following = next < expr.length() ? expr.charAt(next) : ' ';
                if (LABEL_LISTS.contains(word.toLowerCase()) && following == '(') {
                    i = expr.indexOf(')', next) + 1;
                }
                else if (KEYWORDS.contains(word.toLowerCase()) || following == '(') {
                    // an operator keyword, or a function or aggregation name
                }
                else if (following == '{') {
                    int end = endOfMatchers(expr, next);
                    selectors.add(new Selector(word, equalities(expr.substring(next + 1, end))));
                    i = end + 1;
                }
                else {
                    selectors.add(new Selector(word, Map.of()));
                }
            }
            else {
                i++;
            }
        }
        return selectors;
    }

    private static final Pattern MATCHER =
            Pattern.compile("\\s*([A-Za-z_]\\w*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");

    private static Map<String, String> equalities(String matchers) {
        Map<String, String> labels = new LinkedHashMap<>();
        Matcher m = MATCHER.matcher(matchers);
        int at = 0;
        while (at < matchers.length() && m.find(at) && m.start() == at) {
            if (m.group(2).equals("=") && !m.group(3).contains("$")) {
                labels.put(m.group(1), m.group(3));
            }
            at = m.end();
        }
        if (!matchers.substring(at).isBlank()) {
            throw new IllegalArgumentException("Unreadable label matchers: {" + matchers + "}");
        }
        return labels;
    }

    private static int endOfMatchers(String expr, int open) {
        int i = open + 1;
        while (i < expr.length() && expr.charAt(i) != '}') {
            i = expr.charAt(i) == '"' ? endOfString(expr, i) : i + 1;
        }
        if (i >= expr.length()) {
            throw new IllegalArgumentException("Unclosed label matchers in " + expr);
        }
        return i;
    }

    private static int endOfString(String expr, int open) {
        char quote = expr.charAt(open);
        int i = open + 1;
        while (i < expr.length() && expr.charAt(i) != quote) {
            i += expr.charAt(i) == '\\' && quote != '`' ? 2 : 1;
        }
        return i + 1;
    }

    private static int skipSpaces(String expr, int i) {
        while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
            i++;
        }
        return i;
    }
}
