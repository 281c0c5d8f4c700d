package org.leaderboard.demo;

import java.time.Duration;
import java.util.List;

import org.leaderboard.leaderboard.Milestone;
import org.leaderboard.leaderboard.Pledge;

/**
 * Who takes part in the demo campaign, and what its donors say: a charity night run with teams,
 * fundraisers with stories and goals, donors and messages in French and English. Fixed data, so
 * every newcomer's demo looks alike.
 */
final class DemoCast {

    static final String CAMPAIGN_ID = "demo";
    static final String CURRENCY = "EUR";
    static final String TITLE = "Night Run for the Food Bank · Course de nuit pour la Banque alimentaire";
    static final String STORY = """
            Every Friday night in December, runners of the city do laps of the old harbour for the \
            food bank. Each lap is sponsored by their friends, colleagues and families.
            Chaque vendredi soir de décembre, les coureurs de la ville font des tours du vieux port \
            pour la Banque alimentaire. Chaque tour est parrainé par leurs amis, collègues et familles.
            (This is demo mode: the gifts below are generated. / Mode démo : les dons sont simulés.)""";
    static final long GOAL_MINOR = 25_000_000;
    /** Where "Donate" leads in the demo: a reserved example domain, so no one pays for real. */
    static final String DONATE_URL = "https://donate.example.org/night-run";

    record Team(String id, String name) {
    }

    /** A sponsor turning shares into meals, as the food partners of such runs do. */
    static final Pledge PLEDGE = new Pledge("meals-per-share", "Épicerie Solidaire", 50, 100_000, 1_000L, 50_000L);

    /** How long the demo's matching gift runs from the demo's start. */
    static final Duration MATCH_LENGTH = Duration.ofHours(2);
    static final long MATCH_CAP_MINOR = 200_000;

    static final List<Milestone> MILESTONES = List.of(
            new Milestone("first-thousand", "raisedMinor", 100_000, "Premiers 1 000 € · First €1,000", null),
            new Milestone("quarter", "grandTotalMinor", GOAL_MINOR / 4, "Un quart de l'objectif · A quarter of the goal",
                    null),
            new Milestone("half", "grandTotalMinor", GOAL_MINOR / 2, "À mi-chemin · Halfway there", null),
            new Milestone("thousand-shares", "shareCount", 1_000, "1 000 partages · 1,000 shares", null));

    record Member(String id, String name, String teamId, long goalMinor, String story) {
    }

    static final List<Team> TEAMS = List.of(
            new Team("harbour-hares", "Les Lièvres du Port"),
            new Team("night-owls", "Night Owls"),
            new Team("soup-runners", "Soup Runners"),
            new Team("baskets-bleues", "Les Baskets Bleues"));

    static final List<Member> FUNDRAISERS = List.of(
            new Member("chloe", "Chloé Martin", "harbour-hares", 300_000,
                    "Je cours pour la première fois : 10 tours si on atteint 3 000 € !"),
            new Member("sam", "Sam Okafor", "night-owls", 500_000,
                    "Ran the harbour every winter since 2019. Help me beat last year's total."),
            new Member("ines", "Inès Haddad", "baskets-bleues", 250_000,
                    "Pour la banque alimentaire de mon quartier, qui a aidé ma famille."),
            new Member("tom", "Tom Becker", "soup-runners", 200_000,
                    "Every €10 is a hot meal. I'll run in a soup-pot costume past €1,000."),
            new Member("lea", "Léa Rousseau", "harbour-hares", 150_000,
                    "Ma classe de CM2 me parraine : chaque tour compte !"),
            new Member("james", "James Whitfield", "night-owls", 400_000,
                    "My company matches everything I raise. Double your gift!"),
            new Member("amina", "Amina Diallo", "baskets-bleues", 350_000,
                    "Bénévole à la banque alimentaire depuis cinq ans, coureuse depuis cinq semaines."),
            new Member("lucas", "Lucas Moreau", "soup-runners", 100_000,
                    "Mon premier défi sportif. Soyez indulgents, soyez généreux."),
            new Member("grace", "Grace Liu", "night-owls", 250_000,
                    "Running for my grandmother, who cooked for the whole street."),
            new Member("hugo", "Hugo Lefèvre", null, 120_000,
                    "Pas d'équipe, mais beaucoup de motivation."),
            new Member("olivia", "Olivia Brown", "harbour-hares", 180_000,
                    "Two laps for every cake sold at the bake sale."),
            new Member("yanis", "Yanis Benali", "baskets-bleues", 200_000,
                    "On court ensemble, on mange ensemble."));

    static final List<String> DONORS = List.of("Camille", "Julien", "Emma", "Noah", "Manon", "Jules", "Sophie",
            "Thomas", "Olivier D.", "Famille Dupont", "Café du Port", "Aiko", "Grace's book club", "Mohamed",
            "Yasmine", "Oliver", "Amelia", "The Martins", "Nathalie & Marc", "Priya", "Jack", "Chloé's office",
            "Mamie Jeanne", "Lina", "Ethan", "Zoé", "Rachel", "Pierre-Louis", "Harbour Bakery", "Ana");

    static final List<String> MESSAGES = List.of(
            "Allez, on lâche rien !",
            "Bravo pour ce beau projet 💪",
            "Courage pour la course !",
            "Pour mamie ❤️",
            "Fière de toi !",
            "Un petit geste, un grand cœur.",
            "On sera là au 10e tour pour t'encourager !",
            "Merci pour ce que vous faites.",
            "Go go go!",
            "Go for it!",
            "So proud of you.",
            "Every bit helps.",
            "Run like the wind 🏃",
            "In memory of Dad.",
            "Matched by my company!",
            "You've got this!",
            "See you at the finish line 🎉");

    static final List<String> CHANNELS = List.of("facebook", "x", "linkedin", "whatsapp", "email", "link", "other");

    /** Typical gift amounts in cents, and how often each comes (weights). */
    static final long[] AMOUNTS = { 500, 1000, 1500, 2000, 2500, 3000, 5000, 7500, 10000, 20000, 25000, 50000 };
    static final int[] AMOUNT_WEIGHTS = { 14, 20, 8, 15, 10, 5, 12, 3, 8, 3, 1, 1 };

    private DemoCast() {
    }
}
