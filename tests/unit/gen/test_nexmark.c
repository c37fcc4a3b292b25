/*
 * test_nexmark.c: unit tests of src/gen/nexmark.c against ../shared/specs/nexmark/generator-spec.md:
 * the SplittableRandom primitives (values printed by the JDK 17's java.util.SplittableRandom), kinds
 * and proportions, lastPerson0/lastAuction0 against a counting model, the id relations of bids and
 * auctions, timestamps from the event rate (and the out-of-order shuffle), determinism and regenerating
 * one event from its id, the first events recomputed field by field from the spec's formulas, and the
 * JSON records (field names, order and types of schema.sql; byte-exact records produced by an
 * independent Java implementation of the same spec, tests/e2e/nexmark_ref/NexmarkRef.java).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/nexmark.h"

static NexmarkGen *t_gen(const NexmarkConfig *c)
{
    NexmarkGen *g = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(nexmark_gen_create(c, &g, &e), WEIR_OK);
    return g;
}

static NexmarkGen *t_gen_default(void)
{
    NexmarkConfig c;
    nexmark_config_default(&c);
    return t_gen(&c);
}

static int t_slice_eq(Slice s, const char *want)
{
    return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static void t_assert_slice(Slice s, const char *want)
{
    if (!t_slice_eq(s, want))
        fail_msg("got '%.*s', want '%s'", (int)s.n, (const char *)s.p, want);
}

static char *t_json(const NexmarkEvent *ev)
{
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(nexmark_event_json(ev, &b), WEIR_OK);
    size_t n;
    return (char *)buf_steal(&b, &n);
}

/* ------------------------------------------------------------------------------------------------ */

/* Values printed by OpenJDK 17: new SplittableRandom(0).nextLong(), ... (see the comment per line). */
static void test_rng_matches_jdk(void **state)
{
    UNUSED(state);
    NexmarkRng r;
    nexmark_rng_init(&r, 0);
    assert_true(nexmark_rng_next_long(&r) == (uint64_t)INT64_C(-2152535657050944081));
    assert_true(nexmark_rng_next_long(&r) == (uint64_t)INT64_C(7960286522194355700));
    assert_int_equal(nexmark_rng_next_int(&r), -1699405221);
    assert_int_equal(nexmark_rng_int(&r, 13), 7);
    assert_int_equal(nexmark_rng_int(&r, 10000), 7789);
    assert_int_equal(nexmark_rng_int(&r, 4), 1); /* power of two: low bits */
    assert_true(nexmark_rng_double(&r) == 0.17386786595968284);
    assert_int_equal(nexmark_rng_long(&r, INT64_C(3000000000)), INT64_C(1800173470)); /* nextLong(bound) */

    nexmark_rng_init(&r, 42);
    const int want11[] = {9, 5, 9, 9, 5, 2, 9, 4};
    for (int i = 0; i < 8; i++)
        assert_int_equal(nexmark_rng_int(&r, 11), want11[i]);
    const int want_big[] = {542411, 815160, 436394, 143265};
    for (int i = 0; i < 4; i++)
        assert_int_equal(nexmark_rng_int(&r, 1000003), want_big[i]);

    nexmark_rng_init(&r, (uint64_t)INT64_C(-7));
    assert_int_equal(nexmark_rng_next_int(&r), -669310854);
    assert_true(nexmark_rng_double(&r) == 0.4786370309856862);
    /* Math.round(Math.pow(10.0, r.nextDouble() * 6.0) * 100.0) */
    assert_int_equal((int64_t)floor(pow(10.0, nexmark_rng_double(&r) * 6.0) * 100.0 + 0.5), 27669985);

    assert_true(nexmark_mix64(0) == 0);
    /* bounds: every value in range, and all of a small range reached */
    nexmark_rng_init(&r, 7);
    int seen[6] = {0};
    for (int i = 0; i < 6000; i++) {
        int32_t v = nexmark_rng_int(&r, 6);
        assert_true(v >= 0 && v < 6);
        seen[v]++;
    }
    for (int i = 0; i < 6; i++)
        assert_true(seen[i] > 800 && seen[i] < 1200);
}

static void test_kinds_and_proportions(void **state)
{
    UNUSED(state);
    NexmarkConfig c;
    nexmark_config_default(&c);
    int64_t n[3] = {0, 0, 0};
    for (int64_t e = 0; e < 50000; e++)
        n[nexmark_kind(&c, e)]++;
    /* person 1 : auction 3 : bid 46 exactly, per 50 events */
    assert_int_equal(n[NEXMARK_PERSON], 1000);
    assert_int_equal(n[NEXMARK_AUCTION], 3000);
    assert_int_equal(n[NEXMARK_BID], 46000);
    assert_int_equal(nexmark_kind(&c, 0), NEXMARK_PERSON);
    assert_int_equal(nexmark_kind(&c, 1), NEXMARK_AUCTION);
    assert_int_equal(nexmark_kind(&c, 3), NEXMARK_AUCTION);
    assert_int_equal(nexmark_kind(&c, 4), NEXMARK_BID);
    assert_int_equal(nexmark_kind(&c, 49), NEXMARK_BID);
    assert_int_equal(nexmark_kind(&c, 50), NEXMARK_PERSON);

    c.person_proportion = 2, c.auction_proportion = 5, c.bid_proportion = 13;
    n[0] = n[1] = n[2] = 0;
    for (int64_t e = 0; e < 2000; e++)
        n[nexmark_kind(&c, e)]++;
    assert_int_equal(n[0], 200);
    assert_int_equal(n[1], 500);
    assert_int_equal(n[2], 1300);

    /* The generated events carry the kind of their id. */
    NexmarkGen *g = t_gen_default();
    NexmarkEvent ev;
    for (int64_t e = 0; e < 200; e++) {
        nexmark_gen_event(g, e, &ev);
        assert_int_equal(ev.kind, e % 50 == 0 ? NEXMARK_PERSON : e % 50 <= 3 ? NEXMARK_AUCTION : NEXMARK_BID);
        assert_int_equal(ev.event_id, e);
        assert_int_equal(ev.event_number, e);
    }
    nexmark_gen_destroy(&g);
    assert_null(g);
}

/* lastPerson0 / lastAuction0 are "the base-0 id of the last person (auction) generated at or before
 * this event": check them against a model that counts, under two proportion settings. */
static void test_last_ids_model(void **state)
{
    UNUSED(state);
    NexmarkConfig c;
    nexmark_config_default(&c);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            c.person_proportion = 2, c.auction_proportion = 5, c.bid_proportion = 13;
        int64_t persons = 0, auctions = 0;
        for (int64_t e = 0; e < 10000; e++) {
            NexmarkKind k = nexmark_kind(&c, e);
            persons += k == NEXMARK_PERSON;
            auctions += k == NEXMARK_AUCTION;
            /* Before any person, Flink's formula still says 0 (the person of this epoch to come). */
            assert_int_equal(nexmark_last_person0(&c, e), persons > 0 ? persons - 1 : 0);
            assert_int_equal(nexmark_last_auction0(&c, e), auctions - 1);
        }
    }
    nexmark_config_default(&c);
    /* the spec's worked cases */
    assert_int_equal(nexmark_last_person0(&c, 49), 0);
    assert_int_equal(nexmark_last_person0(&c, 50), 1);
    assert_int_equal(nexmark_last_auction0(&c, 0), -1);
    assert_int_equal(nexmark_last_auction0(&c, 1), 0);
    assert_int_equal(nexmark_last_auction0(&c, 3), 2);
    assert_int_equal(nexmark_last_auction0(&c, 4), 2);
    assert_int_equal(nexmark_last_auction0(&c, 50), 2);
    assert_int_equal(nexmark_last_auction0(&c, 51), 3);
}

/* Person and auction ids are consecutive from 1000 in event order; bids and auctions refer to
 * persons and auctions that exist or are at most NEXMARK_ID_LEAD ahead, within the active/in-flight
 * windows; hot ids are the first (sellers, auctions) and second (bidders) of their batch of 100, with
 * the probabilities of the ratios. */
static void test_id_relations(void **state)
{
    UNUSED(state);
    NexmarkGen *g = t_gen_default();
    const NexmarkConfig *c = nexmark_gen_config(g);
    NexmarkEvent ev;
    int64_t next_person = 1000, next_auction = 1000;
    int64_t n_bids = 0, hot_auction = 0, hot_bidder = 0, n_auctions = 0, hot_seller = 0;
    int64_t n_bid_channel_hot = 0;
    const int64_t N = 200000;
    for (int64_t e = 0; e < N; e++) {
        nexmark_gen_event(g, e, &ev);
        int64_t last_p = next_person - 1, last_a = next_auction - 1; /* last ids generated before e */
        switch (ev.kind) {
        case NEXMARK_PERSON:
            assert_int_equal(ev.person.id, next_person++);
            break;
        case NEXMARK_AUCTION: {
            const NexmarkAuction *a = &ev.auction;
            assert_int_equal(a->id, next_auction++);
            int64_t people = last_p - 1000 + 1;
            int64_t active = people < 1000 ? people : 1000;
            assert_true(a->seller >= 1000 + people - active && a->seller <= last_p + NEXMARK_ID_LEAD);
            if (a->seller == 1000 + (last_p - 1000) / 100 * 100)
                hot_seller++;
            assert_true(a->category >= 10 && a->category <= 14);
            assert_true(a->initial_bid >= 100 && a->initial_bid <= 100000000);
            assert_true(a->reserve >= a->initial_bid + 100 && a->reserve <= a->initial_bid + 100000000);
            assert_true(a->expires > ev.date_time);
            n_auctions++;
            break;
        }
        case NEXMARK_BID: {
            const NexmarkBid *b = &ev.bid;
            int64_t max_a = last_a - 1000, min_a = max_a - 100 > 0 ? max_a - 100 : 0;
            assert_true(b->auction >= 1000 + min_a && b->auction <= last_a + NEXMARK_ID_LEAD);
            if (b->auction == 1000 + max_a / 100 * 100)
                hot_auction++;
            int64_t people = last_p - 1000 + 1;
            int64_t active = people < 1000 ? people : 1000;
            assert_true(b->bidder >= 1000 + people - active && b->bidder <= last_p + NEXMARK_ID_LEAD);
            if (b->bidder == 1000 + (last_p - 1000) / 100 * 100 + 1)
                hot_bidder++;
            assert_true(b->price >= 100 && b->price <= 100000000);
            if (b->channel.n && b->channel.p[0] != 'c')
                n_bid_channel_hot++;
            n_bids++;
            break;
        }
        }
    }
    assert_int_equal(next_person - 1000, N / 50);
    assert_int_equal(next_auction - 1000, N / 50 * 3);
    assert_int_equal(n_bids, N / 50 * 46);
    /* P(hot) = 1 - 1/ratio, plus the few random picks that land on the hot id */
    double fa = (double)hot_auction / (double)n_bids, fb = (double)hot_bidder / (double)n_bids;
    double fs = (double)hot_seller / (double)n_auctions, fc = (double)n_bid_channel_hot / (double)n_bids;
    assert_true(fa > 0.49 && fa < 0.52);
    assert_true(fb > 0.74 && fb < 0.77);
    assert_true(fs > 0.73 && fs < 0.78);
    assert_true(fc > 0.49 && fc < 0.51);
    (void)c;
    nexmark_gen_destroy(&g);
}

static void test_timestamps_from_rate(void **state)
{
    UNUSED(state);
    NexmarkConfig c;
    nexmark_config_default(&c);
    const int64_t base = NEXMARK_DEFAULT_BASE_TIME_MS;
    /* 10,000 events/s: 100 us apart, 10 per ms */
    assert_int_equal(nexmark_timestamp(&c, 0), base);
    assert_int_equal(nexmark_timestamp(&c, 9), base);
    assert_int_equal(nexmark_timestamp(&c, 10), base + 1);
    assert_int_equal(nexmark_timestamp(&c, 123456), base + 12345);
    /* 3 events/s: floor(n * 333333.33 / 1000) */
    c.event_rate = 3;
    assert_int_equal(nexmark_timestamp(&c, 1), base + 333);
    assert_int_equal(nexmark_timestamp(&c, 2), base + 666);
    assert_int_equal(nexmark_timestamp(&c, 3), base + 1000);
    assert_int_equal(nexmark_timestamp(&c, 300), base + 100000);
    /* numEventGenerators scales the delay */
    c.event_rate = 1000;
    c.n_generators = 4;
    assert_int_equal(nexmark_timestamp(&c, 10), base + 40);
    c.n_generators = 1;
    c.base_time_ms = 5;
    assert_int_equal(nexmark_timestamp(&c, 7), 12);

    /* The event carries the time of its number, and so the configured rate shows in the events. */
    nexmark_config_default(&c);
    c.event_rate = 2000;
    NexmarkGen *g = t_gen(&c);
    NexmarkEvent ev;
    for (int64_t n = 0; n < 5000; n += 7) {
        nexmark_gen_event(g, n, &ev);
        assert_int_equal(ev.date_time, base + n / 2);
        if (ev.kind == NEXMARK_AUCTION) {
            /* mean length = horizon = time of the event 1666 ahead; expires within twice that */
            int64_t horizon = nexmark_timestamp(&c, n + 100 * 50 / 3) - ev.date_time;
            assert_int_equal(horizon, 833);
            assert_true(ev.auction.expires >= ev.date_time + 1 && ev.auction.expires <= ev.date_time + 2 * horizon);
        }
    }
    nexmark_gen_destroy(&g);

    /* outOfOrderGroupSize: ids (and times) permuted inside each group of g, never across groups */
    nexmark_config_default(&c);
    c.out_of_order_group = 10;
    for (int64_t grp = 0; grp < 20; grp++) {
        int hit[10] = {0};
        for (int64_t n = grp * 10; n < grp * 10 + 10; n++) {
            int64_t id = nexmark_event_id(&c, n);
            assert_true(id >= grp * 10 && id < grp * 10 + 10);
            assert_int_equal(id, grp * 10 + (n * 953) % 10);
            hit[id - grp * 10]++;
        }
        for (int i = 0; i < 10; i++)
            assert_int_equal(hit[i], 1);
    }
    assert_int_not_equal(nexmark_event_id(&c, 1), 1);
}

/* Same config: byte-identical records; any event regenerated alone equals the one in sequence; a
 * different seed gives different records; a run resumed with first_event_id continues the first. */
static void test_determinism(void **state)
{
    UNUSED(state);
    NexmarkGen *a = t_gen_default(), *b = t_gen_default();
    NexmarkEvent ea, eb;
    char *keep[100];
    for (int64_t n = 0; n < 2000; n++) {
        nexmark_gen_event(a, n, &ea);
        nexmark_gen_event(b, n, &eb);
        char *ja = t_json(&ea), *jb = t_json(&eb);
        assert_string_equal(ja, jb);
        if (n >= 700 && n < 800)
            keep[n - 700] = ja;
        else
            free(ja);
        free(jb);
    }
    for (int64_t n = 799; n >= 700; n -= 3) { /* backwards, one at a time */
        nexmark_gen_event(b, n, &eb);
        char *j = t_json(&eb);
        assert_string_equal(j, keep[n - 700]);
        free(j);
    }
    for (int i = 0; i < 100; i++)
        free(keep[i]);

    NexmarkConfig c;
    nexmark_config_default(&c);
    c.seed = 99;
    NexmarkGen *s = t_gen(&c);
    int differ = 0;
    for (int64_t n = 0; n < 50; n++) {
        nexmark_gen_event(a, n, &ea);
        nexmark_gen_event(s, n, &eb);
        char *ja = t_json(&ea), *jb = t_json(&eb);
        differ += strcmp(ja, jb) != 0;
        free(ja);
        free(jb);
    }
    assert_true(differ >= 48);
    nexmark_gen_destroy(&s);
    nexmark_gen_destroy(&a);
    nexmark_gen_destroy(&b);
    nexmark_gen_destroy(&b); /* NULL: a no-op */
}

/* nextString as the spec says it, drawn from r, into out (maxLen bytes). */
static size_t t_next_string(NexmarkRng *r, int max_len, char special, char *out)
{
    int len = 3 + nexmark_rng_int(r, max_len - 3);
    for (int i = 0; i < len; i++)
        out[i] = nexmark_rng_int(r, 13) == 0 ? special : (char)('a' + nexmark_rng_int(r, 26));
    int b = 0, e = len;
    while (b < e && out[b] == ' ')
        b++;
    while (e > b && out[e - 1] == ' ')
        e--;
    memmove(out, out + b, (size_t)(e - b));
    out[e - b] = '\0';
    return (size_t)(e - b);
}

/* nextExtra's length per the spec (and the offset draw that follows it). */
static int64_t t_extra_len(NexmarkRng *r, int64_t cur, int64_t avg)
{
    if (cur > avg)
        return 0;
    int64_t d = avg - cur, delta = (int64_t)llround((double)d * 0.2);
    int64_t len = d - delta + (delta ? nexmark_rng_int(r, (int32_t)(2 * delta)) : 0);
    if (len)
        (void)nexmark_rng_int(r, (int32_t)(NEXMARK_POOL_LEN - (size_t)len + 1));
    return len;
}

static int64_t t_price(NexmarkRng *r)
{
    return (int64_t)floor(pow(10.0, nexmark_rng_double(r) * 6.0) * 100.0 + 0.5);
}

static void t_assert_lower(Slice s)
{
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.p[i] >= 'a' && s.p[i] <= 'z');
}

/* The first person, auction and bid, recomputed draw by draw from generator-spec.md section 4. */
static void test_first_events_from_formulas(void **state)
{
    UNUSED(state);
    static const char *const first[] = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky",
                                        "Kate", "Julie", "Sarah", "Deiter", "Walter"};
    static const char *const last[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                       "Walton", "Smith", "Jones", "Noris"};
    static const char *const cities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                         "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"};
    static const char *const states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
    NexmarkGen *g = t_gen_default();
    const int64_t base = NEXMARK_DEFAULT_BASE_TIME_MS;
    NexmarkEvent ev;
    char want[256], s1[8], s2[8];

    for (int64_t e = 0; e <= 50; e += 50) { /* the persons of the first two epochs */
        nexmark_gen_event(g, e, &ev);
        assert_int_equal(ev.kind, NEXMARK_PERSON);
        NexmarkRng r;
        nexmark_rng_init(&r, (uint64_t)e); /* seed 0: SplittableRandom(eventId) */
        const NexmarkPerson *p = &ev.person;
        assert_int_equal(p->id, 1000 + e / 50);
        assert_int_equal(ev.date_time, base + e / 10);
        const char *f = first[nexmark_rng_int(&r, 11)];
        snprintf(want, sizeof(want), "%s %s", f, last[nexmark_rng_int(&r, 9)]);
        t_assert_slice(p->name, want);
        t_next_string(&r, 7, ' ', s1);
        t_next_string(&r, 5, ' ', s2);
        snprintf(want, sizeof(want), "%s@%s.com", s1, s2);
        t_assert_slice(p->email_address, want);
        int cc[4];
        for (int i = 0; i < 4; i++)
            cc[i] = nexmark_rng_int(&r, 10000);
        snprintf(want, sizeof(want), "%04d %04d %04d %04d", cc[0], cc[1], cc[2], cc[3]);
        t_assert_slice(p->credit_card, want);
        t_assert_slice(p->city, cities[nexmark_rng_int(&r, 10)]);
        t_assert_slice(p->state, states[nexmark_rng_int(&r, 6)]);
        int64_t cur = 8 + (int64_t)(p->name.n + p->email_address.n + p->credit_card.n + p->city.n + p->state.n);
        assert_int_equal((int64_t)p->extra.n, t_extra_len(&r, cur, 200));
        t_assert_lower(p->extra);
    }

    for (int64_t e = 1; e <= 3; e++) { /* the three auctions of epoch 0 */
        nexmark_gen_event(g, e, &ev);
        assert_int_equal(ev.kind, NEXMARK_AUCTION);
        const NexmarkAuction *a = &ev.auction;
        NexmarkRng r;
        nexmark_rng_init(&r, (uint64_t)e);
        assert_int_equal(a->id, 1000 + e - 1);
        int64_t seller = nexmark_rng_int(&r, 4) > 0 ? 0 : 0 + nexmark_rng_int(&r, 1 + 10); /* one person so far */
        assert_int_equal(a->seller, 1000 + seller);
        assert_int_equal(a->category, 10 + nexmark_rng_int(&r, 5));
        int64_t ib = t_price(&r);
        assert_int_equal(a->initial_bid, ib);
        int64_t ts = base + e / 10, horizon = base + (e + 1666) / 10 - ts;
        assert_int_equal(a->expires, ts + 1 + nexmark_rng_int(&r, (int32_t)(2 * horizon)));
        char name[24], desc[104];
        t_next_string(&r, 20, ' ', name);
        t_next_string(&r, 100, ' ', desc);
        t_assert_slice(a->item_name, name);
        t_assert_slice(a->description, desc);
        assert_int_equal(a->reserve, ib + t_price(&r));
        int64_t cur = 8 + (int64_t)(strlen(name) + strlen(desc)) + 40;
        assert_int_equal((int64_t)a->extra.n, t_extra_len(&r, cur, 500));
        t_assert_lower(a->extra);
    }

    for (int64_t e = 4; e < 12; e++) { /* bids of epoch 0: 3 auctions (0..2), 1 person (0) so far */
        nexmark_gen_event(g, e, &ev);
        assert_int_equal(ev.kind, NEXMARK_BID);
        const NexmarkBid *b = &ev.bid;
        NexmarkRng r;
        nexmark_rng_init(&r, (uint64_t)e);
        int64_t auction = nexmark_rng_int(&r, 2) > 0 ? 0 : 0 + nexmark_rng_int(&r, 2 - 0 + 1 + 10);
        assert_int_equal(b->auction, 1000 + auction);
        int64_t bidder = nexmark_rng_int(&r, 4) > 0 ? 1 : 0 + nexmark_rng_int(&r, 1 + 10);
        assert_int_equal(b->bidder, 1000 + bidder);
        assert_int_equal(b->price, t_price(&r));
        if (nexmark_rng_int(&r, 2) > 0) {
            static const char *const hot[] = {"Google", "Facebook", "Baidu", "Apple"};
            t_assert_slice(b->channel, hot[nexmark_rng_int(&r, 4)]);
            assert_null(memmem(b->url.p, b->url.n, "channel_id", 10));
        } else {
            snprintf(want, sizeof(want), "channel-%d", nexmark_rng_int(&r, 10000));
            t_assert_slice(b->channel, want);
        }
        assert_true(b->url.n > 40 && memcmp(b->url.p, "https://www.nexmark.com/", 24) == 0);
        assert_int_equal((int64_t)b->extra.n, t_extra_len(&r, 32, 100));
        t_assert_lower(b->extra);
    }
    nexmark_gen_destroy(&g);
}

/* Records: the field names, order and JSON types of schema.sql, and times as TIMESTAMP(3) text. */
static void test_json_records(void **state)
{
    UNUSED(state);
    static const char *const person[] = {"id", "name", "email_address", "credit_card", "city", "state",
                                         "date_time", "extra", NULL};
    static const char *const auction[] = {"id", "item_name", "description", "initial_bid", "reserve",
                                          "date_time", "expires", "seller", "category", "extra", NULL};
    static const char *const bid[] = {"auction", "bidder", "price", "channel", "url", "date_time", "extra", NULL};
    static const char *const ints[] = {"id", "initial_bid", "reserve", "seller", "category", "auction",
                                       "bidder", "price", NULL};
    NexmarkGen *g = t_gen_default();
    NexmarkEvent ev;
    for (int64_t n = 0; n < 300; n++) {
        nexmark_gen_event(g, n, &ev);
        char *js = t_json(&ev);
        json_error_t jerr;
        json_t *o = json_loads(js, JSON_PRESERVE_ORDER, &jerr);
        assert_non_null(o);
        const char *const *names = ev.kind == NEXMARK_PERSON ? person : ev.kind == NEXMARK_AUCTION ? auction : bid;
        size_t i = 0;
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v)
        {
            assert_non_null(names[i]);
            assert_string_equal(key, names[i]);
            int is_int = 0;
            for (int k = 0; ints[k]; k++)
                is_int |= !strcmp(key, ints[k]);
            assert_true(is_int ? json_is_integer(v) : json_is_string(v));
            if (!strcmp(key, "date_time") || !strcmp(key, "expires")) {
                const char *t = json_string_value(v);
                int y, mo, d, h, mi, s, ms, len = 0;
                assert_int_equal(sscanf(t, "%4d-%2d-%2d %2d:%2d:%2d.%3d%n", &y, &mo, &d, &h, &mi, &s, &ms, &len), 7);
                assert_int_equal(len, 23);
                assert_int_equal(strlen(t), 23);
            }
            i++;
        }
        assert_null(names[i]);
        json_decref(o);
        free(js);
    }
    char t[24];
    nexmark_format_time(NEXMARK_DEFAULT_BASE_TIME_MS, t);
    assert_string_equal(t, "2025-01-01 00:00:00.000");
    nexmark_format_time(INT64_C(951782400123), t);
    assert_string_equal(t, "2000-02-29 00:00:00.123");
    nexmark_format_time(INT64_C(951868799999), t);
    assert_string_equal(t, "2000-02-29 23:59:59.999");

    /* partition keys: id for persons and auctions, the auction for bids */
    char pk[24];
    nexmark_gen_event(g, 0, &ev);
    assert_int_equal(nexmark_event_partition_key(&ev, pk), 4);
    assert_string_equal(pk, "1000");
    nexmark_gen_event(g, 4, &ev);
    nexmark_event_partition_key(&ev, pk);
    snprintf(t, sizeof(t), "%lld", (long long)ev.bid.auction);
    assert_string_equal(pk, t);
    nexmark_gen_destroy(&g);
}

/* The first person, auction and bid with seed 0, as printed by the independent Java implementation
 * (tests/e2e/nexmark_ref/NexmarkRef.java, JDK SplittableRandom and Math.pow). */
static void test_golden_records(void **state)
{
    UNUSED(state);
    static const char *const golden[][2] = {
        {"0", "{\"id\":1000,\"name\":\"John Bartels\",\"email_address\":\"nbed e@g s.com\",\"credit_card\":"
              "\"7924 2715 1843 8834\",\"city\":\"San Francisco\",\"state\":\"WY\",\"date_time\":"
              "\"2025-01-01 00:00:00.000\",\"extra\":\"qbckvkwevbveblkthpvlkpzoevsbyrwddegatmipzwldbbodmhcuud"
              "ghnvrcvbbwxnfomenzlheasqeluntqlbbcjvfkvchrrjiyvqvwkcslujtkflwqgzwtzfoha\"}"},
        {"1", "{\"id\":1000,\"item_name\":\"c kegevgra\",\"description\":\"vzwlzueyi kceyyieoqrfa\","
              "\"initial_bid\":66991009,\"reserve\":67248490,\"date_time\":\"2025-01-01 00:00:00.000\","
              "\"expires\":\"2025-01-01 00:00:00.218\",\"seller\":1000,\"category\":12,\"extra\":\"flrjowlazyy"
              "rawwxakbpimfgvxreocjxupbtzcxsgaavyktbienqeihgjelceyrmdbufqulewmutrlsgwbpxsntiswpnudwmszxmneo"
              "jwvalokacppthmprgirncuuqdxvztframnaazhlsxdxtvlaauogmldpmpoikcfaejzvnfdepcxdidqgwfogbavfeswh"
              "qcrztarnwnbjjpxhnqsivnidsxhpgfdepytecygyebwfrwnuyvnzajpofqbafnqjiiaylmvkzfikefakzlwjipfgxkm"
              "mokikiogkdaiyhblujlquhkivtozbrawrndionqnevlumaqyoxavbqlsyfstwjtwiyyoqpylbyvnobhekuedcrpnf\"}"},
        {"4", "{\"auction\":1000,\"bidder\":1001,\"price\":89258,\"channel\":\"channel-5594\",\"url\":"
              "\"https://www.nexmark.com/owc/__s_/jcfj/item.htm?query=1&channel_id=1537736704\",\"date_time\":"
              "\"2025-01-01 00:00:00.000\",\"extra\":\"oecuvjktluhenxofdzqchrnzzfvplfnvvermjqavzyenaxspqgjsz"
              "inxugnerizuegt\"}"},
    };
    NexmarkGen *g = t_gen_default();
    NexmarkEvent ev;
    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
        nexmark_gen_event(g, atoll(golden[i][0]), &ev);
        char *j = t_json(&ev);
        assert_string_equal(j, golden[i][1]);
        free(j);
    }
    nexmark_gen_destroy(&g);

    /* Flink's bidder quirk: the same bid with 1000 more */
    NexmarkConfig c;
    nexmark_config_default(&c);
    c.bidder_offset_twice = 1;
    g = t_gen(&c);
    nexmark_gen_event(g, 4, &ev);
    assert_int_equal(ev.bid.bidder, 2001);
    nexmark_gen_destroy(&g);
}

static void test_config_check(void **state)
{
    UNUSED(state);
    NexmarkConfig c;
    Err e;
    nexmark_config_default(&c);
    err_clear(&e);
    assert_int_equal(nexmark_config_check(&c, &e), WEIR_OK);
    c.bid_proportion = 0;
    assert_int_equal(nexmark_config_check(&c, &e), WEIR_EINVAL);
    assert_non_null(strstr(e.msg, "bid proportion"));
    nexmark_config_default(&c);
    c.event_rate = 0;
    err_clear(&e);
    assert_int_equal(nexmark_config_check(&c, &e), WEIR_EINVAL);
    assert_non_null(strstr(e.msg, "rate"));
    nexmark_config_default(&c);
    c.avg_auction_bytes = 1 << 24;
    err_clear(&e);
    NexmarkGen *g = (NexmarkGen *)&c;
    assert_int_equal(nexmark_gen_create(&c, &g, &e), WEIR_EINVAL);
    assert_null(g);

    /* average sizes drive `extra`: 0 leaves it empty */
    nexmark_config_default(&c);
    c.avg_person_bytes = c.avg_auction_bytes = c.avg_bid_bytes = 0;
    g = t_gen(&c);
    NexmarkEvent ev;
    for (int64_t n = 0; n < 60; n++) {
        nexmark_gen_event(g, n, &ev);
        Slice x = ev.kind == NEXMARK_PERSON ? ev.person.extra : ev.kind == NEXMARK_AUCTION ? ev.auction.extra : ev.bid.extra;
        assert_int_equal(x.n, 0);
    }
    nexmark_gen_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_matches_jdk),
        cmocka_unit_test(test_kinds_and_proportions),
        cmocka_unit_test(test_last_ids_model),
        cmocka_unit_test(test_id_relations),
        cmocka_unit_test(test_timestamps_from_rate),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_first_events_from_formulas),
        cmocka_unit_test(test_json_records),
        cmocka_unit_test(test_golden_records),
        cmocka_unit_test(test_config_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
