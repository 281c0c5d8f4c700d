package org.leaderboard.campaign;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.leaderboard.system.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Owns the SQL of campaigns, teams and fundraisers. Each PUT is one upsert statement, so two
 * organizers saving at once never see a half-written row; {@code xmax = 0} tells an insert from
 * an update.
 */
@Component
public class CampaignStore {

    private final DatabaseClient db;

    CampaignStore(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Creates or replaces a campaign; its currency is fixed once created (409 otherwise). The demo
     * mark is set by {@code c.demo()} when true and otherwise kept: an organizer editing the demo
     * campaign does not make it look real.
     */
    Mono<Saved<Campaign>> saveCampaign(Campaign c) {
        return db.sql("""
                insert into campaigns (id, title, story, currency, goal_minor, ends_at, open_signup, donate_url, demo)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                on conflict (id) do update set title = excluded.title, story = excluded.story,
                    goal_minor = excluded.goal_minor, ends_at = excluded.ends_at,
                    open_signup = excluded.open_signup, donate_url = excluded.donate_url,
                    demo = campaigns.demo or excluded.demo, updated_at = now()
                where campaigns.currency = excluded.currency
                returning *, (xmax = 0) as created
                """)
                .bind(0, c.id())
                .bind(1, c.title())
                .bind(2, Parameter.fromOrEmpty(c.story(), String.class))
                .bind(3, c.currency())
                .bind(4, c.goalMinor())
                .bind(5, Parameter.fromOrEmpty(c.endsAt() == null ? null
                        : c.endsAt().atOffset(ZoneOffset.UTC), OffsetDateTime.class))
                .bind(6, c.openSignup())
                .bind(7, Parameter.fromOrEmpty(c.donateUrl(), String.class))
                .bind(8, c.demo())
                .map(row -> new Saved<>(campaign(row), Boolean.TRUE.equals(row.get("created", Boolean.class))))
                .one()
                .switchIfEmpty(Mono.defer(() -> findCampaign(c.id()).flatMap(existing -> Mono.error(
                        ApiProblem.of(HttpStatus.CONFLICT, "currency-immutable", "Currency cannot change",
                                "Campaign '" + c.id() + "' is in " + existing.currency()
                                        + "; a campaign's currency is fixed when it is created")))));
    }

    Mono<Campaign> findCampaign(String id) {
        return db.sql("select * from campaigns where id = $1").bind(0, id).map(CampaignStore::campaign).one();
    }

    /** The campaigns among {@code ids} that exist, in one round trip. */
    public Flux<Campaign> findCampaigns(List<String> ids) {
        return db.sql("select * from campaigns where id = any($1)")
                .bind(0, ids.toArray(String[]::new))
                .map(CampaignStore::campaign)
                .all();
    }

    /** The fundraisers among the (campaign, fundraiser) pairs that exist, in one round trip. */
    public Flux<Fundraiser> findFundraisers(List<String> campaignIds, List<String> fundraiserIds) {
        return db.sql("""
                select f.* from fundraisers f join unnest($1::text[], $2::text[]) as k(c, id)
                    on f.campaign_id = k.c and f.id = k.id
                """)
                .bind(0, campaignIds.toArray(String[]::new))
                .bind(1, fundraiserIds.toArray(String[]::new))
                .map(CampaignStore::fundraiser)
                .all();
    }

    /** Every campaign, newest first (the organizer console's list; campaigns are few and never deleted). */
    Flux<Campaign> allCampaigns() {
        return db.sql("select * from campaigns order by created_at desc, id").map(CampaignStore::campaign).all();
    }

    /** The id of every campaign; inside a caller's transaction (a rebuild's), like every query here. */
    public Flux<String> campaignIds() {
        return db.sql("select id from campaigns").map(row -> row.get("id", String.class)).all();
    }

    /** Every fundraiser of every campaign. */
    public Flux<Fundraiser> allFundraisers() {
        return db.sql("select * from fundraisers").map(CampaignStore::fundraiser).all();
    }

    /** Every team of every campaign. */
    public Flux<Team> allTeams() {
        return db.sql("select * from teams").map(CampaignStore::team).all();
    }

    Mono<Fundraiser> findFundraiser(String campaignId, String fundraiserId) {
        return db.sql("select * from fundraisers where campaign_id = $1 and id = $2")
                .bind(0, campaignId)
                .bind(1, fundraiserId)
                .map(CampaignStore::fundraiser)
                .one();
    }

    Flux<Team> teamsUpdatedSince(Instant since) {
        return db.sql("select * from teams where updated_at >= $1")
                .bind(0, since.atOffset(ZoneOffset.UTC))
                .map(CampaignStore::team)
                .all();
    }

    Flux<Fundraiser> fundraisersUpdatedSince(Instant since) {
        return db.sql("select * from fundraisers where updated_at >= $1")
                .bind(0, since.atOffset(ZoneOffset.UTC))
                .map(CampaignStore::fundraiser)
                .all();
    }

    /** Creates or renames a team; 404 when the campaign does not exist. */
    Mono<Saved<Team>> saveTeam(String campaignId, String teamId, String name) {
        return db.sql("""
                insert into teams (campaign_id, id, name)
                select $1, $2, $3 where exists (select 1 from campaigns where id = $1)
                on conflict (campaign_id, id) do update set name = excluded.name, updated_at = now()
                returning *, (xmax = 0) as created
                """)
                .bind(0, campaignId)
                .bind(1, teamId)
                .bind(2, name)
                .map(row -> new Saved<>(team(row), Boolean.TRUE.equals(row.get("created", Boolean.class))))
                .one()
                .switchIfEmpty(Mono.error(() -> unknownCampaign(campaignId)));
    }

    /** Creates or replaces a fundraiser; 404 when the campaign or the named team does not exist. */
    Mono<Saved<Fundraiser>> saveFundraiser(Fundraiser f) {
        return db.sql("""
                insert into fundraisers (campaign_id, id, display_name, team_id, goal_minor, story)
                select $1, $2, $3, $4, $5, $6
                where exists (select 1 from campaigns where id = $1)
                  and ($4::text is null or exists (select 1 from teams where campaign_id = $1 and id = $4))
                on conflict (campaign_id, id) do update set display_name = excluded.display_name,
                    team_id = excluded.team_id, goal_minor = excluded.goal_minor, story = excluded.story,
                    updated_at = now()
                returning *, (xmax = 0) as created
                """)
                .bindValues(fundraiserColumns(f))
                .map(row -> new Saved<>(fundraiser(row), Boolean.TRUE.equals(row.get("created", Boolean.class))))
                .one()
                .switchIfEmpty(Mono.defer(() -> findCampaign(f.campaignId())
                        .switchIfEmpty(Mono.error(() -> unknownCampaign(f.campaignId())))
                        .then(Mono.error(() -> ApiProblem.notFound("Team '" + f.teamId()
                                + "' does not exist in campaign '" + f.campaignId() + "'")))));
    }

    /**
     * Creates a self-service page with its manage token's hash, never replacing one: empty when
     * the id is taken (the caller draws another). The campaign and team were checked by the caller
     * and are never deleted.
     */
    Mono<Fundraiser> createFundraiser(Fundraiser f, byte[] manageTokenHash) {
        return db.sql("""
                insert into fundraisers (campaign_id, id, display_name, team_id, goal_minor, story, manage_token_hash)
                values ($1, $2, $3, $4, $5, $6, $7)
                on conflict (campaign_id, id) do nothing
                returning *
                """)
                .bindValues(fundraiserColumns(f))
                .bind(6, ByteBuffer.wrap(manageTokenHash))
                .map(CampaignStore::fundraiser)
                .one();
    }

    /** The page whose manage token hashes to {@code hash}, if any. */
    Mono<Fundraiser> findByManageToken(byte[] hash) {
        return db.sql("select * from fundraisers where manage_token_hash = $1")
                .bind(0, ByteBuffer.wrap(hash))
                .map(CampaignStore::fundraiser)
                .one();
    }

    Mono<Team> findTeam(String campaignId, String teamId) {
        return db.sql("select * from teams where campaign_id = $1 and id = $2")
                .bind(0, campaignId)
                .bind(1, teamId)
                .map(CampaignStore::team)
                .one();
    }

    /** $1..$6 of a fundraiser's insert: its keys and the fields a PUT sets. */
    private static List<Parameter> fundraiserColumns(Fundraiser f) {
        return List.of(Parameter.from(f.campaignId()), Parameter.from(f.id()), Parameter.from(f.displayName()),
                Parameter.fromOrEmpty(f.teamId(), String.class), Parameter.fromOrEmpty(f.goalMinor(), Long.class),
                Parameter.fromOrEmpty(f.story(), String.class));
    }

    private static ApiProblem unknownCampaign(String id) {
        return ApiProblem.notFound("Campaign '" + id + "' does not exist");
    }

    private static Campaign campaign(Readable row) {
        return new Campaign(row.get("id", String.class), row.get("title", String.class),
                row.get("story", String.class), row.get("currency", String.class),
                row.get("goal_minor", Long.class), instant(row, "ends_at"),
                Boolean.TRUE.equals(row.get("open_signup", Boolean.class)), instant(row, "created_at"),
                instant(row, "updated_at"), row.get("donate_url", String.class),
                Boolean.TRUE.equals(row.get("demo", Boolean.class)));
    }

    private static Team team(Readable row) {
        return new Team(row.get("campaign_id", String.class), row.get("id", String.class), row.get("name", String.class),
                instant(row, "created_at"), instant(row, "updated_at"));
    }

    private static Fundraiser fundraiser(Readable row) {
        return new Fundraiser(row.get("campaign_id", String.class), row.get("id", String.class),
                row.get("display_name", String.class), row.get("team_id", String.class),
                row.get("goal_minor", Long.class), row.get("story", String.class), instant(row, "created_at"),
                instant(row, "updated_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
