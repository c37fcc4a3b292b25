/*
 * clock.h: wall-clock and monotonic time in the units weir uses.
 * Wall clock (arrival times, ARNs' creation times) is milliseconds since the Unix epoch, UTC.
 * The monotonic clock (timeouts, latency) is nanoseconds from an arbitrary origin.
 * Tests may shift the wall clock with clock_set_offset_ms() (retention and expiry tests).
 */
#ifndef WEIR_BASE_CLOCK_H
#define WEIR_BASE_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);
int64_t clock_now_us(void);
uint64_t clock_mono_ns(void);
void clock_set_offset_ms(int64_t offset_ms);

#endif
