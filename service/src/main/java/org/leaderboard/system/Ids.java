package org.leaderboard.system;

import java.util.regex.Pattern;

/** The id formats of API.md: caller-chosen resource ids and event ids. */
public final class Ids {

    private static final Pattern RESOURCE_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private Ids() {
    }

    /** Ids of campaigns, teams, fundraisers, milestones, pledges and matches. */
    public static boolean isResourceId(String id) {
        return id != null && RESOURCE_ID.matcher(id).matches();
    }

    /** Event ids (and visitor ids): 1 to 255 printable ASCII characters. */
    public static boolean isEventId(String id) {
        if (id == null || id.isEmpty() || id.length() > 255) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    public static final String RESOURCE_ID_RULE = "must match ^[a-z0-9][a-z0-9-]{0,63}$";
    public static final String EVENT_ID_RULE = "must be 1 to 255 printable ASCII characters";
}
