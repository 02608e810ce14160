/*
 * Time from the TSC, without exits: the VMM gives the TSC frequency and the
 * wall-clock time of boot; the kernel entry read the TSC then.
 */
#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include "kvmplat.h"


struct kvmplat_timespec {
  int64_t sec, nsec;
};

static uint64_t ns_since_boot(void) {
  uint64_t d = kvmplat_rdtsc() - kvmplat_boot.boot_tsc, khz = kvmplat_boot.tsc_khz;
  if (khz == 0) return 0;
  return d / khz * 1000000ull + (d % khz) * 1000000ull / khz; /* no 128-bit division (no libgcc here) */
}

static uint64_t ns_now(uint64_t clock) {
  uint64_t t = ns_since_boot();
  /* REALTIME and its variants from the boot's wall clock; every other
   * clock (MONOTONIC, BOOTTIME, CPU time: one vCPU that only runs this
   * program) counts from boot. */
  if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_TAI ||
      clock == CLOCK_REALTIME_COARSE)
    t += (uint64_t)kvmplat_boot.realtime_ns;
  return t;
}

long kvmplat_clock_gettime(uint64_t clock, uint64_t ts) {
  if (clock > CLOCK_TAI) return -EINVAL;
  uint64_t t = ns_now(clock);
  struct kvmplat_timespec *p = (struct kvmplat_timespec *)(uintptr_t)ts;
  p->sec = (int64_t)(t / 1000000000ull);
  p->nsec = (int64_t)(t % 1000000000ull);
  return 0;
}

long kvmplat_gettimeofday(uint64_t tv) {
  if (!tv) return 0;
  uint64_t t = ns_now(CLOCK_REALTIME);
  int64_t *p = (int64_t *)(uintptr_t)tv;
  p[0] = (int64_t)(t / 1000000000ull);
  p[1] = (int64_t)(t % 1000000000ull / 1000);
  return 0;
}
