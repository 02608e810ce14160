/*
 * Threads on the one vCPU: clone(CLONE_VM | CLONE_THREAD) makes a runnable
 * thread from the caller's context; a thread runs until it blocks (futex
 * wait), yields or exits, then the next runnable one takes over in the same
 * syscall frame (entry.S restores whichever context the frame holds). No
 * preemption, so no timer: the corpus's threads only block at futexes and
 * joins. FS base follows the thread (one hypercall when it changes).
 */
#define _GNU_SOURCE /* CLONE_* in <sched.h> */
#include <errno.h>
#include <sched.h>

#include "kvmplat.h"

#define MAX_THREADS 64

/* Linux's futex operations (<linux/futex.h>, which musl's headers lack). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

enum { FREE = 0, RUNNABLE, BLOCKED };

struct thread {
  int state;
  uint32_t tid;
  uint64_t fs;        /* FS base (TLS) */
  uint64_t futex;     /* BLOCKED: the address waited on */
  uint64_t clear_tid; /* CLONE_CHILD_CLEARTID / set_tid_address: zeroed and woken at exit */
  struct kvmplat_syscall_frame ctx; /* saved while not running */
};

static struct thread threads[MAX_THREADS]; /* [0]: the main thread */
static unsigned cur;
static uint32_t next_tid = 2;

static struct thread *self(void) {
  if (threads[0].state == FREE && cur == 0) {
    threads[0].state = RUNNABLE;
    threads[0].tid = (uint32_t)kvmplat_boot.pid;
  }
  return &threads[cur];
}

uint64_t kvmplat_tid(void) { return self()->tid; }
long kvmplat_set_tid_address(uint64_t addr) {
  self()->clear_tid = addr;
  return self()->tid;
}
void kvmplat_thread_set_fs(uint64_t base) { self()->fs = base; }

static int pick_next(void) {
  for (unsigned i = 1; i <= MAX_THREADS; i++) {
    unsigned k = (cur + i) % MAX_THREADS;
    if (threads[k].state == RUNNABLE) return (int)k;
  }
  return -1;
}

/* Resumes thread n in frame f; the current context was saved (or is dead). */
static void resume(struct kvmplat_syscall_frame *f, unsigned n) {
  uint64_t old_fs = threads[cur].fs;
  kvmplat_copy(f, &threads[n].ctx, sizeof *f);
  cur = n;
  if (threads[n].fs != old_fs) kvmplat_set_fs(threads[n].fs);
}

static void save(struct kvmplat_syscall_frame *f, long result) {
  kvmplat_copy(&threads[cur].ctx, f, sizeof *f);
  threads[cur].ctx.nr = (uint64_t)result;
}

long kvmplat_clone(struct kvmplat_syscall_frame *f) {
  uint64_t flags = f->a1, stack = f->a2, ptid = f->a3, ctid = f->a4, tls = f->a5;
  if ((flags & (CLONE_VM | CLONE_THREAD)) != (CLONE_VM | CLONE_THREAD)) return -ENOSYS; /* no fork in a unikernel */
  struct thread *me = self();
  unsigned k = 1;
  while (k < MAX_THREADS && threads[k].state != FREE) k++;
  if (k == MAX_THREADS) return -EAGAIN;
  struct thread *t = &threads[k];
  kvmplat_copy(&t->ctx, f, sizeof *f);
  t->ctx.nr = 0; /* the child's clone returns 0, on its new stack */
  t->ctx.rsp = stack;
  t->fs = (flags & CLONE_SETTLS) ? tls : me->fs;
  t->clear_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : 0;
  t->futex = 0;
  t->tid = next_tid++;
  t->state = RUNNABLE;
  if (flags & CLONE_PARENT_SETTID) *(volatile int *)(uintptr_t)ptid = (int)t->tid;
  if (flags & CLONE_CHILD_SETTID) *(volatile int *)(uintptr_t)ctid = (int)t->tid;
  return t->tid; /* the parent runs on */
}

static long wake(uint64_t addr, uint64_t n, uint64_t requeue_to, uint64_t requeue_n) {
  long woken = 0;
  uint64_t moved = 0;
  for (unsigned k = 0; k < MAX_THREADS; k++) {
    struct thread *t = &threads[k];
    if (t->state != BLOCKED || t->futex != addr) continue;
    if ((uint64_t)woken < n) {
      t->state = RUNNABLE;
      t->ctx.nr = 0;
      woken++;
    } else if (moved < requeue_n) {
      t->futex = requeue_to;
      moved++;
    }
  }
  return woken;
}

long kvmplat_futex(struct kvmplat_syscall_frame *f, int *switched) {
  uint64_t addr = f->a1, val = f->a3;
  int cmd = (int)(f->a2 & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
  self();
  switch (cmd) {
  case FUTEX_WAIT:
  case FUTEX_WAIT_BITSET: {
    if (*(volatile int *)(uintptr_t)addr != (int)val) return -EAGAIN;
    int n = pick_next();
    if (n < 0) return f->a4 ? -ETIMEDOUT : -EDEADLK; /* nobody else can change it */
    save(f, 0);
    threads[cur].state = BLOCKED;
    threads[cur].futex = addr;
    resume(f, (unsigned)n);
    *switched = 1;
    return 0;
  }
  case FUTEX_WAKE:
  case FUTEX_WAKE_BITSET: return wake(addr, val, 0, 0);
  case FUTEX_CMP_REQUEUE:
    if (*(volatile int *)(uintptr_t)addr != (int)f->a6) return -EAGAIN;
    /* fall through */
  case FUTEX_REQUEUE: return wake(addr, val, f->a5, f->a4);
  default: return -ENOSYS;
  }
}

long kvmplat_yield(struct kvmplat_syscall_frame *f, int *switched) {
  self();
  int n = pick_next();
  if (n < 0 || (unsigned)n == cur) return 0;
  save(f, 0);
  resume(f, (unsigned)n);
  *switched = 1;
  return 0;
}

int kvmplat_thread_exit(struct kvmplat_syscall_frame *f) {
  struct thread *me = self();
  if (me->clear_tid) {
    *(volatile int *)(uintptr_t)me->clear_tid = 0;
    wake(me->clear_tid, ~0ull, 0, 0);
  }
  me->state = FREE;
  int n = pick_next();
  if (n < 0) return 0; /* the last thread: the process ends */
  resume(f, (unsigned)n);
  return 1;
}
