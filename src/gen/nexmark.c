/*
 * nexmark.c: the Nexmark event generator. See nexmark.h for the numbering, the random-number streams
 * and the choices made where published generators disagree; ../shared/specs/nexmark/generator-spec.md
 * for the rules themselves (section numbers below refer to it).
 *
 * Layout:
 *   - SplitMix64 / SplittableRandom primitives (nexmark_rng_*);
 *   - the pure id and time functions of sections 1-2;
 *   - the random field primitives of section 3 (next_string, next_extra, next_price, next_base0_*);
 *   - one function per event kind (section 4), drawing in the Flink generator's order;
 *   - the JSON encoder.
 *
 * Speed: an event costs a few dozen draws, no allocation and no formatting through stdio. `extra`
 * (most of a record's bytes) is a borrowed slice of the letter pool, not a copy; the channel urls are
 * built once per generator; the "YYYY-MM-DD HH:MM:SS" part of a time is cached per second, since
 * consecutive events share it (bench/nexmark_bench.c measures the result).
 */
#include "gen/nexmark.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/aws_json.h"

#define NX_GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)
/* Tags for the generator-wide streams (pool, channel urls). Event streams are seeded with
 * event_id ^ mix64(seed) and event ids stay far below these, so no stream is shared. */
#define NX_TAG_POOL UINT64_C(0x4e45584d504f4f4c)    /* "NEXMPOOL" */
#define NX_TAG_CHANNEL UINT64_C(0x4e45584d4348414e) /* "NEXMCHAN" */
#define NX_URL_MAX 96 /* 24 + 3 * 5 + 16 + 12 + 11 = 78 bytes at most */
#define NX_MIN_STRING 3
#define NX_MAX_AVG_BYTES (256 * 1024) /* extra is at most 1.2x this: it must fit the pool */

static const char *const nx_first_names[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                             "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
static const char *const nx_last_names[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                            "Walton", "Smith",  "Jones",   "Noris"};
static const char *const nx_cities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                        "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
static const char *const nx_states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
static const char *const nx_hot_channels[] = {"Google", "Facebook", "Baidu", "Apple"};
#define NX_COUNT(a) ((int32_t)(sizeof(a) / sizeof((a)[0])))

struct NexmarkGen {
    NexmarkConfig cfg;
    uint64_t seed_mix;  /* mix64(cfg.seed), XORed into every event's seed */
    char *pool;         /* NEXMARK_POOL_LEN random lowercase letters */
    char *urls;         /* NX_URL_MAX bytes per channel: 0..9999, then the 4 hot ones */
    uint8_t *url_len;
    char channel_name[24];
    char name[32];
    char email[32];
    char credit_card[24];
    char item_name[24];
    char description[104];
};

/* ------------------------------------------------------------------------------------------------
 * SplitMix64, exactly as java.util.SplittableRandom (JDK 17) computes it
 * ---------------------------------------------------------------------------------------------- */

uint64_t nexmark_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int32_t nx_mix32(uint64_t z)
{
    z = (z ^ (z >> 33)) * UINT64_C(0x62a9d9ed799705f5);
    return (int32_t)(uint32_t)(((z ^ (z >> 28)) * UINT64_C(0xcb24d0a5c88c35b3)) >> 32);
}

void nexmark_rng_init(NexmarkRng *r, uint64_t seed)
{
    r->seed = seed;
}

uint64_t nexmark_rng_next_long(NexmarkRng *r)
{
    return nexmark_mix64(r->seed += NX_GOLDEN_GAMMA);
}

int32_t nexmark_rng_next_int(NexmarkRng *r)
{
    return nx_mix32(r->seed += NX_GOLDEN_GAMMA);
}

/* RandomSupport.boundedNextInt: a power of two takes the low bits; otherwise u % bound, rejecting
 * the candidates of the last incomplete range (Java detects them by int overflow of u + m - r). */
int32_t nexmark_rng_int(NexmarkRng *r, int32_t bound)
{
    uint32_t v = (uint32_t)nexmark_rng_next_int(r);
    uint32_t m = (uint32_t)bound - 1;
    if (((uint32_t)bound & m) == 0)
        return (int32_t)(v & m);
    for (uint32_t u = v >> 1;; u = (uint32_t)nexmark_rng_next_int(r) >> 1) {
        uint32_t x = u % (uint32_t)bound;
        if ((int64_t)u + m - x <= INT32_MAX)
            return (int32_t)x;
    }
}

int64_t nexmark_rng_long(NexmarkRng *r, int64_t bound)
{
    if (bound <= INT32_MAX)
        return nexmark_rng_int(r, (int32_t)bound);
    /* RandomSupport.boundedNextLong (bound is not a power of two unless 2^31..2^62, handled alike) */
    uint64_t v = nexmark_rng_next_long(r);
    uint64_t m = (uint64_t)bound - 1;
    if (((uint64_t)bound & m) == 0)
        return (int64_t)(v & m);
    for (uint64_t u = v >> 1;; u = nexmark_rng_next_long(r) >> 1) {
        uint64_t x = u % (uint64_t)bound;
        if (u + m - x <= (uint64_t)INT64_MAX)
            return (int64_t)x;
    }
}

double nexmark_rng_double(NexmarkRng *r)
{
    return (double)(nexmark_rng_next_long(r) >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------------------------------------------
 * Configuration
 * ---------------------------------------------------------------------------------------------- */

void nexmark_config_default(NexmarkConfig *c)
{
    memset(c, 0, sizeof(*c));
    c->first_event_id = 0;
    c->base_time_ms = NEXMARK_DEFAULT_BASE_TIME_MS;
    c->event_rate = 10000.0;
    c->n_generators = 1;
    c->person_proportion = 1;
    c->auction_proportion = 3;
    c->bid_proportion = 46;
    c->num_active_people = 1000;
    c->num_in_flight_auctions = 100;
    c->hot_auction_ratio = 2;
    c->hot_sellers_ratio = 4;
    c->hot_bidders_ratio = 4;
    c->hot_channels_ratio = 2;
    c->avg_person_bytes = 200;
    c->avg_auction_bytes = 500;
    c->avg_bid_bytes = 100;
    c->out_of_order_group = 1;
    c->bidder_offset_twice = 0;
    c->seed = 0;
}

int nexmark_config_check(const NexmarkConfig *c, Err *e)
{
    const struct {
        const char *name;
        int v;
        int max;
    } ints[] = {
        {"generators", c->n_generators, 1 << 20},
        {"person proportion", c->person_proportion, 1 << 20},
        {"auction proportion", c->auction_proportion, 1 << 20},
        {"bid proportion", c->bid_proportion, 1 << 20},
        {"active people", c->num_active_people, 1 << 30},
        {"in-flight auctions", c->num_in_flight_auctions, 1 << 30},
        {"hot auction ratio", c->hot_auction_ratio, 1 << 30},
        {"hot seller ratio", c->hot_sellers_ratio, 1 << 30},
        {"hot bidder ratio", c->hot_bidders_ratio, 1 << 30},
        {"hot channel ratio", c->hot_channels_ratio, 1 << 30},
        {"out-of-order group", c->out_of_order_group, 1 << 30},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        if (ints[i].v < 1 || ints[i].v > ints[i].max)
            return err_set(e, WEIR_EINVAL, "nexmark: %s must be between 1 and %d (got %d)", ints[i].name,
                           ints[i].max, ints[i].v);
    if (c->avg_person_bytes < 0 || c->avg_person_bytes > NX_MAX_AVG_BYTES || c->avg_auction_bytes < 0 ||
        c->avg_auction_bytes > NX_MAX_AVG_BYTES || c->avg_bid_bytes < 0 || c->avg_bid_bytes > NX_MAX_AVG_BYTES)
        return err_set(e, WEIR_EINVAL, "nexmark: average sizes must be between 0 and %d bytes", NX_MAX_AVG_BYTES);
    if (!(c->event_rate > 0) || c->event_rate > 1e12)
        return err_set(e, WEIR_EINVAL, "nexmark: the event rate must be above 0 and at most 1e12 per second");
    /* Events up to 2^53 keep n * delay exact enough; times stay within years 1970..9999. */
    if (c->first_event_id < 0 || c->first_event_id > (INT64_C(1) << 53))
        return err_set(e, WEIR_EINVAL, "nexmark: the first event id must be between 0 and 2^53");
    if (c->base_time_ms < 0 || c->base_time_ms > INT64_C(253402300799999) - INT64_C(100) * 365 * 86400000)
        return err_set(e, WEIR_EINVAL, "nexmark: the base time must be between 1970 and 9899");
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Ids and times (sections 1 and 2)
 * ---------------------------------------------------------------------------------------------- */

static int64_t nx_total(const NexmarkConfig *c)
{
    return (int64_t)c->person_proportion + c->auction_proportion + c->bid_proportion;
}

int64_t nexmark_event_id(const NexmarkConfig *c, int64_t n)
{
    int64_t g = c->out_of_order_group;
    if (g == 1)
        return n;
    /* (n*953) % g: n is at most 2^53 + 2^53, n % g * 953 cannot overflow and gives the same residue */
    return (n / g) * g + (n % g) * 953 % g;
}

NexmarkKind nexmark_kind(const NexmarkConfig *c, int64_t e)
{
    int64_t r = e % nx_total(c);
    if (r < c->person_proportion)
        return NEXMARK_PERSON;
    if (r < (int64_t)c->person_proportion + c->auction_proportion)
        return NEXMARK_AUCTION;
    return NEXMARK_BID;
}

int64_t nexmark_last_person0(const NexmarkConfig *c, int64_t e)
{
    int64_t epoch = e / nx_total(c), off = e % nx_total(c);
    if (off >= c->person_proportion)
        off = c->person_proportion - 1;
    return epoch * c->person_proportion + off;
}

int64_t nexmark_last_auction0(const NexmarkConfig *c, int64_t e)
{
    int64_t epoch = e / nx_total(c), off = e % nx_total(c);
    if (off < c->person_proportion) {
        epoch--; /* a person: the last auction of the previous epoch */
        off = c->auction_proportion - 1;
    } else if (off >= (int64_t)c->person_proportion + c->auction_proportion) {
        off = c->auction_proportion - 1; /* a bid: the last auction of this epoch */
    } else {
        off -= c->person_proportion;
    }
    return epoch * c->auction_proportion + off;
}

int64_t nexmark_timestamp(const NexmarkConfig *c, int64_t n)
{
    /* GeneratorConfig.timestampForEvent: (long)(n * interEventDelayUs) / 1000, in that order */
    double delay_us = 1e6 / c->event_rate * c->n_generators;
    return c->base_time_ms + (int64_t)((double)n * delay_us) / 1000;
}

const char *nexmark_kind_name(NexmarkKind k)
{
    return k == NEXMARK_PERSON ? "person" : k == NEXMARK_AUCTION ? "auction" : "bid";
}

/* ------------------------------------------------------------------------------------------------
 * Random fields (section 3)
 * ---------------------------------------------------------------------------------------------- */

/* nextString(maxLen, special): 3..maxLen-1 characters, each `special` with probability 1/13, else a
 * lowercase letter; then trimmed as Java's String.trim() (characters <= ' ' at both ends). out has
 * maxLen bytes. Returns the slice (inside out). */
static Slice nx_next_string(NexmarkRng *r, int32_t max_len, char special, char *out)
{
    int32_t len = NX_MIN_STRING + nexmark_rng_int(r, max_len - NX_MIN_STRING);
    for (int32_t i = 0; i < len; i++)
        out[i] = nexmark_rng_int(r, 13) == 0 ? special : (char)('a' + nexmark_rng_int(r, 26));
    int32_t b = 0, e = len;
    while (b < e && (unsigned char)out[b] <= ' ')
        b++;
    while (e > b && (unsigned char)out[e - 1] <= ' ')
        e--;
    return (Slice){(const uint8_t *)out + b, (size_t)(e - b)};
}

/* nextExtra(currentSize, avgSize): "" above the average; otherwise d = avg - current, delta =
 * round(0.2 d), length d - delta + randInt(2 delta) (d when delta is 0), cut from the pool at a random
 * offset (drawn after the length, only when the length is not 0). */
static Slice nx_next_extra(const NexmarkGen *g, NexmarkRng *r, int64_t current, int64_t avg)
{
    if (current > avg)
        return (Slice){(const uint8_t *)g->pool, 0};
    int64_t d = avg - current;
    int64_t delta = (int64_t)floor((double)d * 0.2 + 0.5); /* Math.round; d * 0.2 is never a tie */
    int64_t len = d - delta + (delta == 0 ? 0 : nexmark_rng_int(r, (int32_t)(2 * delta)));
    if (len == 0)
        return (Slice){(const uint8_t *)g->pool, 0};
    int64_t off = nexmark_rng_int(r, (int32_t)(NEXMARK_POOL_LEN - (size_t)len + 1));
    return (Slice){(const uint8_t *)g->pool + off, (size_t)len};
}

/* nextPrice: round(10^(U*6) * 100) cents, log-uniform over [100, 1e8]. */
static int64_t nx_next_price(NexmarkRng *r)
{
    return (int64_t)floor(pow(10.0, nexmark_rng_double(r) * 6.0) * 100.0 + 0.5);
}

/* nextBase0PersonId: one of the last numActivePeople persons, or up to NEXMARK_ID_LEAD ahead. */
static int64_t nx_next_base0_person(const NexmarkConfig *c, NexmarkRng *r, int64_t e)
{
    int64_t people = nexmark_last_person0(c, e) + 1;
    int64_t active = people < c->num_active_people ? people : c->num_active_people;
    return people - active + nexmark_rng_long(r, active + NEXMARK_ID_LEAD);
}

/* nextBase0AuctionId: one of the last numInFlightAuctions auctions, or up to NEXMARK_ID_LEAD ahead. */
static int64_t nx_next_base0_auction(const NexmarkConfig *c, NexmarkRng *r, int64_t e)
{
    int64_t max = nexmark_last_auction0(c, e);
    int64_t min = max - c->num_in_flight_auctions > 0 ? max - c->num_in_flight_auctions : 0;
    return min + nexmark_rng_long(r, max - min + 1 + NEXMARK_ID_LEAD);
}

/* ------------------------------------------------------------------------------------------------
 * Generator set-up: the letter pool and the channel urls
 * ---------------------------------------------------------------------------------------------- */

static size_t nx_append(char *dst, size_t at, const char *s, size_t n)
{
    memcpy(dst + at, s, n);
    return at + n;
}

/* Url of channel ch (NEXMARK_N_CHANNELS + i for hot channel i): Flink's getBaseUrl, three
 * nextString(5, '_') path parts, and for 9 in 10 ordinary channels "&channel_id=" with
 * abs(Integer.reverse(ch)) (Java's abs, so channel 1 gives -2147483648). Seeded by (seed, ch) instead
 * of Flink's unseeded Random, so that the urls are reproducible too. */
static void nx_build_url(NexmarkGen *g, int32_t ch)
{
    NexmarkRng r;
    nexmark_rng_init(&r, (NX_TAG_CHANNEL + (uint64_t)ch) ^ g->seed_mix);
    char *u = g->urls + (size_t)ch * NX_URL_MAX;
    size_t n = nx_append(u, 0, "https://www.nexmark.com/", 24);
    for (int i = 0; i < 3; i++) {
        char part[5];
        Slice s = nx_next_string(&r, 5, '_', part);
        n = nx_append(u, n, (const char *)s.p, s.n);
        n = nx_append(u, n, "/", 1);
    }
    n = nx_append(u, n, "item.htm?query=1", 16);
    if (ch < NEXMARK_N_CHANNELS && nexmark_rng_int(&r, 10) > 0) {
        uint32_t v = (uint32_t)ch, rev = 0;
        for (int i = 0; i < 32; i++, v >>= 1)
            rev = rev << 1 | (v & 1);
        int64_t id = (int32_t)rev;
        if (id < 0 && id != INT32_MIN)
            id = -id;
        char tmp[32];
        int k = snprintf(tmp, sizeof(tmp), "&channel_id=%lld", (long long)id);
        n = nx_append(u, n, tmp, (size_t)k);
    }
    g->url_len[ch] = (uint8_t)n;
}

int nexmark_gen_create(const NexmarkConfig *c, NexmarkGen **out, Err *e)
{
    *out = NULL;
    int rc = nexmark_config_check(c, e);
    if (rc)
        return rc;
    NexmarkGen *g = xcalloc(1, sizeof(*g));
    g->cfg = *c;
    g->seed_mix = nexmark_mix64(c->seed);
    g->pool = xmalloc(NEXMARK_POOL_LEN);
    NexmarkRng r;
    nexmark_rng_init(&r, NX_TAG_POOL ^ g->seed_mix);
    for (size_t i = 0; i < NEXMARK_POOL_LEN; i++)
        g->pool[i] = (char)('a' + nexmark_rng_int(&r, 26));
    int32_t n_urls = NEXMARK_N_CHANNELS + NEXMARK_N_HOT_CHANNELS;
    g->urls = xmalloc((size_t)n_urls * NX_URL_MAX);
    g->url_len = xmalloc((size_t)n_urls);
    for (int32_t ch = 0; ch < n_urls; ch++)
        nx_build_url(g, ch);
    *out = g;
    return WEIR_OK;
}

void nexmark_gen_destroy(NexmarkGen **gp)
{
    NexmarkGen *g = gp ? *gp : NULL;
    if (!g)
        return;
    free(g->pool);
    free(g->urls);
    free(g->url_len);
    free(g);
    *gp = NULL;
}

const NexmarkConfig *nexmark_gen_config(const NexmarkGen *g)
{
    return &g->cfg;
}

/* ------------------------------------------------------------------------------------------------
 * Events (section 4), each drawing in the order of the Flink generator
 * ---------------------------------------------------------------------------------------------- */

static void nx_person(NexmarkGen *g, NexmarkRng *r, int64_t e, NexmarkPerson *p)
{
    const NexmarkConfig *c = &g->cfg;
    p->id = nexmark_last_person0(c, e) + NEXMARK_FIRST_PERSON_ID;
    const char *first = nx_first_names[nexmark_rng_int(r, NX_COUNT(nx_first_names))];
    const char *last = nx_last_names[nexmark_rng_int(r, NX_COUNT(nx_last_names))];
    size_t fl = strlen(first), ll = strlen(last);
    memcpy(g->name, first, fl);
    g->name[fl] = ' ';
    memcpy(g->name + fl + 1, last, ll);
    p->name = (Slice){(const uint8_t *)g->name, fl + 1 + ll};

    char local[7], domain[5];
    Slice a = nx_next_string(r, 7, ' ', local);
    Slice b = nx_next_string(r, 5, ' ', domain);
    size_t n = nx_append(g->email, 0, (const char *)a.p, a.n);
    n = nx_append(g->email, n, "@", 1);
    n = nx_append(g->email, n, (const char *)b.p, b.n);
    n = nx_append(g->email, n, ".com", 4);
    p->email_address = (Slice){(const uint8_t *)g->email, n};

    for (int i = 0; i < 4; i++) {
        int32_t v = nexmark_rng_int(r, 10000);
        char *d = g->credit_card + i * 5;
        d[0] = (char)('0' + v / 1000);
        d[1] = (char)('0' + v / 100 % 10);
        d[2] = (char)('0' + v / 10 % 10);
        d[3] = (char)('0' + v % 10);
        d[4] = ' ';
    }
    p->credit_card = (Slice){(const uint8_t *)g->credit_card, 19};
    p->city = slice_from_cstr(nx_cities[nexmark_rng_int(r, NX_COUNT(nx_cities))]);
    p->state = slice_from_cstr(nx_states[nexmark_rng_int(r, NX_COUNT(nx_states))]);
    int64_t size = 8 + (int64_t)(p->name.n + p->email_address.n + p->credit_card.n + p->city.n + p->state.n);
    p->extra = nx_next_extra(g, r, size, c->avg_person_bytes);
}

static void nx_auction(NexmarkGen *g, NexmarkRng *r, int64_t e, int64_t adj_n, int64_t ts, NexmarkAuction *a)
{
    const NexmarkConfig *c = &g->cfg;
    a->id = nexmark_last_auction0(c, e) + NEXMARK_FIRST_AUCTION_ID;
    if (nexmark_rng_int(r, c->hot_sellers_ratio) > 0)
        a->seller = nexmark_last_person0(c, e) / NEXMARK_HOT_BATCH * NEXMARK_HOT_BATCH;
    else
        a->seller = nx_next_base0_person(c, r, e);
    a->seller += NEXMARK_FIRST_PERSON_ID;
    a->category = NEXMARK_FIRST_CATEGORY_ID + nexmark_rng_int(r, NEXMARK_NUM_CATEGORIES);
    a->initial_bid = nx_next_price(r);
    /* The mean auction length is the time until the auction numInFlightAuctions ahead is created. */
    int64_t ahead = (int64_t)c->num_in_flight_auctions * nx_total(c) / c->auction_proportion;
    int64_t horizon = nexmark_timestamp(c, adj_n + ahead) - ts;
    a->expires = ts + 1 + nexmark_rng_long(r, horizon * 2 > 1 ? horizon * 2 : 1);
    a->item_name = nx_next_string(r, 20, ' ', g->item_name);
    a->description = nx_next_string(r, 100, ' ', g->description);
    a->reserve = a->initial_bid + nx_next_price(r);
    int64_t size = 8 + (int64_t)(a->item_name.n + a->description.n) + 8 + 8 + 8 + 8 + 8;
    a->extra = nx_next_extra(g, r, size, c->avg_auction_bytes);
}

static void nx_bid(NexmarkGen *g, NexmarkRng *r, int64_t e, NexmarkBid *b)
{
    const NexmarkConfig *c = &g->cfg;
    if (nexmark_rng_int(r, c->hot_auction_ratio) > 0)
        b->auction = nexmark_last_auction0(c, e) / NEXMARK_HOT_BATCH * NEXMARK_HOT_BATCH;
    else
        b->auction = nx_next_base0_auction(c, r, e);
    b->auction += NEXMARK_FIRST_AUCTION_ID;
    /* Hot bidders are the second person of a batch (+1), so they differ from the hot sellers. */
    if (nexmark_rng_int(r, c->hot_bidders_ratio) > 0)
        b->bidder = nexmark_last_person0(c, e) / NEXMARK_HOT_BATCH * NEXMARK_HOT_BATCH + 1;
    else
        b->bidder = nx_next_base0_person(c, r, e);
    b->bidder += NEXMARK_FIRST_PERSON_ID * (c->bidder_offset_twice ? 2 : 1);
    b->price = nx_next_price(r);
    int32_t ch;
    if (nexmark_rng_int(r, c->hot_channels_ratio) > 0) {
        int32_t i = nexmark_rng_int(r, NEXMARK_N_HOT_CHANNELS);
        b->channel = slice_from_cstr(nx_hot_channels[i]);
        ch = NEXMARK_N_CHANNELS + i;
    } else {
        ch = nexmark_rng_int(r, NEXMARK_N_CHANNELS);
        int k = snprintf(g->channel_name, sizeof(g->channel_name), "channel-%d", (int)ch);
        b->channel = (Slice){(const uint8_t *)g->channel_name, (size_t)k};
    }
    b->url = (Slice){(const uint8_t *)g->urls + (size_t)ch * NX_URL_MAX, g->url_len[ch]};
    b->extra = nx_next_extra(g, r, 8 + 8 + 8 + 8, c->avg_bid_bytes);
}

void nexmark_gen_event(NexmarkGen *g, int64_t n, NexmarkEvent *ev)
{
    const NexmarkConfig *c = &g->cfg;
    int64_t adj = nexmark_event_id(c, n);
    ev->event_number = n;
    ev->event_id = adj;
    ev->kind = nexmark_kind(c, adj);
    ev->date_time = nexmark_timestamp(c, adj);
    NexmarkRng r;
    nexmark_rng_init(&r, (uint64_t)adj ^ g->seed_mix);
    switch (ev->kind) {
    case NEXMARK_PERSON: nx_person(g, &r, adj, &ev->person); break;
    case NEXMARK_AUCTION: nx_auction(g, &r, adj, adj, ev->date_time, &ev->auction); break;
    case NEXMARK_BID: nx_bid(g, &r, adj, &ev->bid); break;
    }
}

/* ------------------------------------------------------------------------------------------------
 * JSON
 * ---------------------------------------------------------------------------------------------- */

typedef struct NxTimeCache {
    int64_t sec;
    char text[20]; /* "YYYY-MM-DD HH:MM:SS" */
} NxTimeCache;

static _Thread_local NxTimeCache nx_time_cache = {INT64_MIN, ""};

static void nx_digits(char *d, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        d[i] = (char)('0' + v % 10);
}

void nexmark_format_time(int64_t ms, char out[24])
{
    if (ms < 0)
        ms = 0; /* the config keeps times at or after the epoch */
    int64_t sec = ms / 1000;
    NxTimeCache *tc = &nx_time_cache;
    if (tc->sec != sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        if (!gmtime_r(&t, &tm))
            memset(&tm, 0, sizeof(tm));
        char *d = tc->text;
        nx_digits(d, (tm.tm_year + 1900) % 10000, 4);
        d[4] = '-';
        nx_digits(d + 5, tm.tm_mon + 1, 2);
        d[7] = '-';
        nx_digits(d + 8, tm.tm_mday, 2);
        d[10] = ' ';
        nx_digits(d + 11, tm.tm_hour, 2);
        d[13] = ':';
        nx_digits(d + 14, tm.tm_min, 2);
        d[16] = ':';
        nx_digits(d + 17, tm.tm_sec, 2);
        d[19] = '\0';
        tc->sec = sec;
    }
    memcpy(out, tc->text, 19);
    out[19] = '.';
    nx_digits(out + 20, (int)(ms % 1000), 3);
    out[23] = '\0';
}

/* Not aws_json's JsonOut: its per-key escaping and separator tracking made this step about 1.5x slower
 * in bench/nexmark_bench (same checksum); the keys here are fixed literals. */
typedef struct NxJson {
    Buf *b;
    int rc; /* sticky: the first append error */
} NxJson;

static void nj_raw(NxJson *j, const char *s, size_t n)
{
    if (!j->rc)
        j->rc = buf_append(j->b, s, n);
}

#define NJ_LIT(j, s) nj_raw((j), (s), sizeof(s) - 1)

static void nj_int(NxJson *j, int64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    nj_raw(j, tmp + i, sizeof(tmp) - i);
}

static void nj_str(NxJson *j, Slice s)
{
    if (!j->rc)
        j->rc = json_escape_append(j->b, (const char *)s.p, s.n);
}

static void nj_time(NxJson *j, int64_t ms)
{
    char t[26];
    t[0] = '"';
    nexmark_format_time(ms, t + 1);
    t[24] = '"';
    nj_raw(j, t, 25);
}

int nexmark_event_json(const NexmarkEvent *ev, Buf *out)
{
    NxJson j = {out, 0};
    switch (ev->kind) {
    case NEXMARK_PERSON: {
        const NexmarkPerson *p = &ev->person;
        NJ_LIT(&j, "{\"id\":");
        nj_int(&j, p->id);
        NJ_LIT(&j, ",\"name\":");
        nj_str(&j, p->name);
        NJ_LIT(&j, ",\"email_address\":");
        nj_str(&j, p->email_address);
        NJ_LIT(&j, ",\"credit_card\":");
        nj_str(&j, p->credit_card);
        NJ_LIT(&j, ",\"city\":");
        nj_str(&j, p->city);
        NJ_LIT(&j, ",\"state\":");
        nj_str(&j, p->state);
        NJ_LIT(&j, ",\"date_time\":");
        nj_time(&j, ev->date_time);
        NJ_LIT(&j, ",\"extra\":");
        nj_str(&j, p->extra);
        break;
    }
    case NEXMARK_AUCTION: {
        const NexmarkAuction *a = &ev->auction;
        NJ_LIT(&j, "{\"id\":");
        nj_int(&j, a->id);
        NJ_LIT(&j, ",\"item_name\":");
        nj_str(&j, a->item_name);
        NJ_LIT(&j, ",\"description\":");
        nj_str(&j, a->description);
        NJ_LIT(&j, ",\"initial_bid\":");
        nj_int(&j, a->initial_bid);
        NJ_LIT(&j, ",\"reserve\":");
        nj_int(&j, a->reserve);
        NJ_LIT(&j, ",\"date_time\":");
        nj_time(&j, ev->date_time);
        NJ_LIT(&j, ",\"expires\":");
        nj_time(&j, a->expires);
        NJ_LIT(&j, ",\"seller\":");
        nj_int(&j, a->seller);
        NJ_LIT(&j, ",\"category\":");
        nj_int(&j, a->category);
        NJ_LIT(&j, ",\"extra\":");
        nj_str(&j, a->extra);
        break;
    }
    case NEXMARK_BID: {
        const NexmarkBid *b = &ev->bid;
        NJ_LIT(&j, "{\"auction\":");
        nj_int(&j, b->auction);
        NJ_LIT(&j, ",\"bidder\":");
        nj_int(&j, b->bidder);
        NJ_LIT(&j, ",\"price\":");
        nj_int(&j, b->price);
        NJ_LIT(&j, ",\"channel\":");
        nj_str(&j, b->channel);
        NJ_LIT(&j, ",\"url\":");
        nj_str(&j, b->url);
        NJ_LIT(&j, ",\"date_time\":");
        nj_time(&j, ev->date_time);
        NJ_LIT(&j, ",\"extra\":");
        nj_str(&j, b->extra);
        break;
    }
    }
    NJ_LIT(&j, "}");
    return j.rc;
}

size_t nexmark_event_partition_key(const NexmarkEvent *ev, char buf[24])
{
    int64_t v = ev->kind == NEXMARK_PERSON ? ev->person.id : ev->kind == NEXMARK_AUCTION ? ev->auction.id : ev->bid.auction;
    int n = snprintf(buf, 24, "%lld", (long long)v);
    return (size_t)n;
}
