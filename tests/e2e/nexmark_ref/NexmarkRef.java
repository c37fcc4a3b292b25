/*
 * NexmarkRef.java: a second, independent implementation of ../shared/specs/nexmark/generator-spec.md
 * with weir's pinned choices (docs/nexmark.md), written from the spec rather than from src/gen/nexmark.c,
 * on the JDK's own java.util.SplittableRandom and Math.pow. test_gen_nexmark.py compiles it and checks
 * that `weir gen nexmark --out` writes byte-identical records.
 *
 * Usage: java NexmarkRef EVENTS SEED   (default parameters otherwise; one record per line, prefixed
 * "P ", "A " or "B " for person, auction, bid).
 */
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

public class NexmarkRef {
    static final int PERSON = 1, AUCTION = 3, TOTAL = 50;
    static final long BASE_TIME = 1735689600000L; // 2025-01-01 00:00:00 UTC
    static final double EVENT_RATE = 10000;
    static final String[] FIRST = "Peter,Paul,Luke,John,Saul,Vicky,Kate,Julie,Sarah,Deiter,Walter".split(",");
    static final String[] LAST = "Shultz,Abrams,Spencer,White,Bartels,Walton,Smith,Jones,Noris".split(",");
    static final String[] CITIES =
        "Phoenix,Los Angeles,San Francisco,Boise,Portland,Bend,Redmond,Seattle,Kent,Cheyenne".split(",");
    static final String[] STATES = "AZ,CA,ID,OR,WA,WY".split(",");
    static final String[] HOT_CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};
    static final long TAG_POOL = 0x4e45584d504f4f4cL, TAG_CHANNEL = 0x4e45584d4348414eL;
    static final char[] pool = new char[1 << 20];
    static final String[] urls = new String[10004];
    static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    static long mix64(long z) { // SplittableRandom's finalizer: the seed is mixed the same way
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long timestamp(long n) { return BASE_TIME + (long) (n * (1e6 / EVENT_RATE)) / 1000L; }

    static long lastPerson0(long e) {
        long epoch = e / TOTAL, off = e % TOTAL;
        if (off >= PERSON) off = PERSON - 1;
        return epoch * PERSON + off;
    }

    static long lastAuction0(long e) {
        long epoch = e / TOTAL, off = e % TOTAL;
        if (off < PERSON) { epoch--; off = AUCTION - 1; }
        else if (off >= PERSON + AUCTION) off = AUCTION - 1;
        else off -= PERSON;
        return epoch * AUCTION + off;
    }

    static long randLong(SplittableRandom r, long n) { return n <= Integer.MAX_VALUE ? r.nextInt((int) n) : r.nextLong(n); }

    static String nextString(SplittableRandom r, int maxLen, char special) {
        int len = 3 + r.nextInt(maxLen - 3);
        StringBuilder sb = new StringBuilder();
        while (len-- > 0) sb.append(r.nextInt(13) == 0 ? special : (char) ('a' + r.nextInt(26)));
        return sb.toString().trim();
    }

    static String nextExtra(SplittableRandom r, long current, long avg) {
        if (current > avg) return "";
        long d = avg - current, delta = Math.round(d * 0.2);
        long len = d - delta + (delta == 0 ? 0 : r.nextInt((int) (2 * delta)));
        if (len == 0) return "";
        int off = r.nextInt((int) (pool.length - len + 1));
        return new String(pool, off, (int) len);
    }

    static long nextPrice(SplittableRandom r) { return Math.round(Math.pow(10.0, r.nextDouble() * 6.0) * 100.0); }

    static long nextPerson0(SplittableRandom r, long e) {
        long people = lastPerson0(e) + 1, active = Math.min(people, 1000);
        return people - active + randLong(r, active + 10);
    }

    static long nextAuction0(SplittableRandom r, long e) {
        long max = lastAuction0(e), min = Math.max(max - 100, 0);
        return min + randLong(r, max - min + 1 + 10);
    }

    static String q(String s) { return "\"" + s + "\""; }
    static String t(long ms) { return q(TIME.format(Instant.ofEpochMilli(ms))); }

    public static void main(String[] args) {
        long events = Long.parseLong(args[0]), m = mix64(Long.parseLong(args[1]));
        SplittableRandom pr = new SplittableRandom(TAG_POOL ^ m);
        for (int i = 0; i < pool.length; i++) pool[i] = (char) ('a' + pr.nextInt(26));
        for (int ch = 0; ch < urls.length; ch++) {
            SplittableRandom r = new SplittableRandom((TAG_CHANNEL + ch) ^ m);
            String u = "https://www.nexmark.com/" + nextString(r, 5, '_') + "/" + nextString(r, 5, '_') + "/"
                + nextString(r, 5, '_') + "/item.htm?query=1";
            if (ch < 10000 && r.nextInt(10) > 0) u += "&channel_id=" + Math.abs(Integer.reverse(ch));
            urls[ch] = u;
        }
        StringBuilder out = new StringBuilder();
        for (long e = 0; e < events; e++) {
            SplittableRandom r = new SplittableRandom(e ^ m);
            long ts = timestamp(e), kind = e % TOTAL;
            if (kind < PERSON) {
                String name = FIRST[r.nextInt(11)] + " " + LAST[r.nextInt(9)];
                String email = nextString(r, 7, ' ') + "@" + nextString(r, 5, ' ') + ".com";
                String cc = String.format("%04d %04d %04d %04d", r.nextInt(10000), r.nextInt(10000),
                                          r.nextInt(10000), r.nextInt(10000));
                String city = CITIES[r.nextInt(10)], state = STATES[r.nextInt(6)];
                String extra = nextExtra(r, 8 + name.length() + email.length() + cc.length() + city.length()
                                                + state.length(), 200);
                out.append("P {\"id\":").append(lastPerson0(e) + 1000).append(",\"name\":").append(q(name))
                    .append(",\"email_address\":").append(q(email)).append(",\"credit_card\":").append(q(cc))
                    .append(",\"city\":").append(q(city)).append(",\"state\":").append(q(state))
                    .append(",\"date_time\":").append(t(ts)).append(",\"extra\":").append(q(extra)).append("}\n");
            } else if (kind < PERSON + AUCTION) {
                long seller = (r.nextInt(4) > 0 ? lastPerson0(e) / 100 * 100 : nextPerson0(r, e)) + 1000;
                long category = 10 + r.nextInt(5), initialBid = nextPrice(r);
                long horizon = timestamp(e + 100 * TOTAL / AUCTION) - ts;
                long expires = ts + 1 + randLong(r, Math.max(horizon * 2, 1));
                String item = nextString(r, 20, ' '), desc = nextString(r, 100, ' ');
                long reserve = initialBid + nextPrice(r);
                String extra = nextExtra(r, 8 + item.length() + desc.length() + 40, 500);
                out.append("A {\"id\":").append(lastAuction0(e) + 1000).append(",\"item_name\":").append(q(item))
                    .append(",\"description\":").append(q(desc)).append(",\"initial_bid\":").append(initialBid)
                    .append(",\"reserve\":").append(reserve).append(",\"date_time\":").append(t(ts))
                    .append(",\"expires\":").append(t(expires)).append(",\"seller\":").append(seller)
                    .append(",\"category\":").append(category).append(",\"extra\":").append(q(extra)).append("}\n");
            } else {
                long auction = (r.nextInt(2) > 0 ? lastAuction0(e) / 100 * 100 : nextAuction0(r, e)) + 1000;
                long bidder = (r.nextInt(4) > 0 ? lastPerson0(e) / 100 * 100 + 1 : nextPerson0(r, e)) + 1000;
                long price = nextPrice(r);
                String channel, url;
                if (r.nextInt(2) > 0) {
                    int i = r.nextInt(4);
                    channel = HOT_CHANNELS[i];
                    url = urls[10000 + i];
                } else {
                    int i = r.nextInt(10000);
                    channel = "channel-" + i;
                    url = urls[i];
                }
                String extra = nextExtra(r, 32, 100);
                out.append("B {\"auction\":").append(auction).append(",\"bidder\":").append(bidder)
                    .append(",\"price\":").append(price).append(",\"channel\":").append(q(channel))
                    .append(",\"url\":").append(q(url)).append(",\"date_time\":").append(t(ts))
                    .append(",\"extra\":").append(q(extra)).append("}\n");
            }
        }
        System.out.print(out);
    }
}
