// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_fiber.c - fibers on ucontext (see fleet_fiber.h).
 *
 * Each stack is one private anonymous mapping whose lowest page is
 * PROT_NONE, so an overflow faults instead of writing into a neighbour.
 * Pages a fiber never touches cost nothing; a stack reused from the pool
 * keeps the pages its last fiber touched, which is why the pool is bounded.
 * Must not: be used from two threads; switch from a fiber to another fiber
 * (always fiber <-> the loop).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "fleet_fiber.h"

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif

#ifdef FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#define start_switch(fake, bottom, size) __sanitizer_start_switch_fiber(fake, bottom, size)
#define finish_switch(fake, bottom, size) __sanitizer_finish_switch_fiber(fake, bottom, size)
#else
#define start_switch(fake, bottom, size) ((void)(fake), (void)(bottom), (void)(size))
#define finish_switch(fake, bottom, size) ((void)(fake), (void)(bottom), (void)(size))
#endif

struct stack {
	struct stack *next;
	void *map;   /* the mapping, guard page first */
	size_t len;
};

struct fleet_stacks {
	size_t stack_size; /* usable bytes, page multiple */
	size_t page;
	unsigned keep, kept;
	struct stack *free;
};

struct fleet_fiber {
	ucontext_t ctx, caller;
	struct fleet_stacks *pool;
	struct stack *stack;
	void (*fn)(void *arg);
	void *arg;
	bool done;
	/* AddressSanitizer: the fiber's fake stack while it is switched out,
	 * and the stack of whoever resumed it. */
	void *fake;
	const void *caller_bottom;
	size_t caller_size;
};

struct fleet_stacks *fleet_stacks_new(size_t stack_size, unsigned keep)
{
	struct fleet_stacks *p = calloc(1, sizeof(*p));
	long page = sysconf(_SC_PAGESIZE);

	if (!p)
		return NULL;
	p->page = page > 0 ? (size_t)page : 4096;
	p->stack_size = (stack_size + p->page - 1) / p->page * p->page;
	p->keep = keep;
	return p;
}

static void stack_unmap(struct stack *s)
{
	munmap(s->map, s->len);
	free(s);
}

void fleet_stacks_free(struct fleet_stacks *p)
{
	if (!p)
		return;
	while (p->free) {
		struct stack *s = p->free;
		p->free = s->next;
		stack_unmap(s);
	}
	free(p);
}

static struct stack *stack_get(struct fleet_stacks *p)
{
	struct stack *s = p->free;

	if (s) {
		p->free = s->next;
		p->kept--;
		return s;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->len = p->stack_size + p->page;
	s->map = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
		      -1, 0);
	if (s->map == MAP_FAILED) {
		free(s);
		return NULL;
	}
	if (mprotect(s->map, p->page, PROT_NONE) != 0) {
		stack_unmap(s);
		return NULL;
	}
	return s;
}

static void stack_put(struct fleet_stacks *p, struct stack *s)
{
	if (p->kept >= p->keep) {
		stack_unmap(s);
		return;
	}
	s->next = p->free;
	p->free = s;
	p->kept++;
}

/* makecontext passes ints: the fiber's address in two halves. */
static void entry(unsigned hi, unsigned lo)
{
	struct fleet_fiber *f = (struct fleet_fiber *)(((uintptr_t)hi << 32) | (uintptr_t)lo);

	finish_switch(NULL, &f->caller_bottom, &f->caller_size);
	f->fn(f->arg);
	f->done = true;
	/* NULL: this fiber's fake stack can go, it never comes back. The
	 * return goes to uc_link (the caller's context). */
	start_switch(NULL, f->caller_bottom, f->caller_size);
}

/* getcontext() returns twice only for a context that is set again; this
 * one is made over by makecontext() and never set as saved. */
static int prepare(struct fleet_fiber *volatile f, struct fleet_stacks *volatile p)
{
	uintptr_t self = (uintptr_t)f;

	if (getcontext(&f->ctx) != 0)
		return -1;
	f->ctx.uc_stack.ss_sp = (char *)f->stack->map + p->page;
	f->ctx.uc_stack.ss_size = p->stack_size;
	f->ctx.uc_link = &f->caller;
	makecontext(&f->ctx, (void (*)(void))entry, 2, (unsigned)(self >> 32),
		    (unsigned)(self & 0xffffffffu));
	return 0;
}

struct fleet_fiber *fleet_fiber_new(struct fleet_stacks *p, void (*fn)(void *arg), void *arg)
{
	struct fleet_fiber *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->pool = p;
	f->fn = fn;
	f->arg = arg;
	f->stack = stack_get(p);
	if (!f->stack || prepare(f, p) != 0) {
		fleet_fiber_free(f);
		return NULL;
	}
	return f;
}

bool fleet_fiber_resume(struct fleet_fiber *f)
{
	void *fake = NULL;

	if (f->done)
		return true;
	start_switch(&fake, f->ctx.uc_stack.ss_sp, f->ctx.uc_stack.ss_size);
	swapcontext(&f->caller, &f->ctx);
	finish_switch(fake, NULL, NULL);
	return f->done;
}

void fleet_fiber_yield(struct fleet_fiber *f)
{
	start_switch(&f->fake, f->caller_bottom, f->caller_size);
	swapcontext(&f->ctx, &f->caller);
	finish_switch(f->fake, &f->caller_bottom, &f->caller_size);
}

void fleet_fiber_free(struct fleet_fiber *f)
{
	if (!f)
		return;
	if (f->stack)
		stack_put(f->pool, f->stack);
	free(f);
}
