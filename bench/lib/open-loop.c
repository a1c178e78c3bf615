/*
 * Open-loop tracker latency generator (compiled by the tracker bench with the system's C compiler).
 *
 * Requests become due at a fixed rate whatever the server does, and each latency counts from the
 * moment its request was due (so a stalled server cannot hide its stall by slowing the generator
 * down). Written in C so that the generator has no collector and no event loop of its own to stall:
 * what it measures is the server and the loopback, not the generator (a Node generator pauses at
 * its own garbage collections, and in an open loop every pause shows up as latency). It sleeps on
 * a timer, not on its sockets (see sleep_until), and takes arrival times from the kernel.
 *
 *   open-loop udp  PORT RATE DURATION_MS FILE             BEP 15 announces; FILE holds announce
 *                                                         packets whose connection and transaction
 *                                                         ids are filled in here
 *   open-loop http PORT RATE DURATION_MS CONNECTIONS FILE keep-alive GETs, one in flight per
 *                                                         connection; FILE holds whole requests
 *
 * FILE: records of a 2-byte big-endian length and that many bytes. Every answer is checked (UDP:
 * action 1 for the right transaction, 20 + 6n bytes, interval > 0; HTTP: status 200 and a bencoded
 * dictionary with an interval and peers and no failure reason); errors are counted, not timed. A
 * request unanswered a second after it was due is lost and counts as an infinite latency, as in the
 * Node generators. Prints one JSON line: requests, perSecond, p50Ms, p99Ms, errors, lost,
 * reconnects, sample. Every loop is bounded by the run's duration plus one second.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/net_tstamp.h>
#include <time.h>
#include <unistd.h>

#define LOST_AFTER_NS 1000000000LL
#define TICK_NS 250000LL /* requests leave in bursts at most this far apart */
#define MAX_CONNECTIONS 1024
#define MAX_RESPONSE 65536

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "open-loop: %s: %s\n", what, errno ? strerror(errno) : "failed");
  exit(2);
}

typedef struct {
  unsigned char **data;
  int *len;
  int count;
} Records;

static Records read_records(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  Records r = {0};
  int cap = 0;
  unsigned char h[2];
  while (fread(h, 1, 2, f) == 2) {
    int n = (h[0] << 8) | h[1];
    if (r.count == cap) {
      cap = cap ? cap * 2 : 1024;
      r.data = realloc(r.data, sizeof *r.data * cap);
      r.len = realloc(r.len, sizeof *r.len * cap);
      if (!r.data || !r.len) die("memory");
    }
    r.data[r.count] = malloc(n);
    if (!r.data[r.count] || fread(r.data[r.count], 1, n, f) != (size_t)n) die("truncated record file");
    r.len[r.count++] = n;
  }
  fclose(f);
  if (r.count == 0) die("no records");
  return r;
}

/* Results shared by both modes. */
static double *latencies; /* ms; lost ones are INFINITY */
static long n_lat, cap_lat;
static long ok_count, errors, lost, reconnects;
static char sample[160];

static void add_latency(double ms) {
  if (ms < 0) ms = 0; /* clock offsets of a few microseconds */
  if (n_lat < cap_lat) latencies[n_lat++] = ms;
}

static void fail(const char *why) {
  errors++;
  if (!sample[0]) snprintf(sample, sizeof sample, "%s", why);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(double seconds) {
  qsort(latencies, n_lat, sizeof *latencies, cmp_double);
  double p50 = NAN, p99 = NAN;
  if (n_lat) {
    long i50 = (long)floor(n_lat * 0.5), i99 = (long)floor(n_lat * 0.99);
    p50 = latencies[i50 < n_lat ? i50 : n_lat - 1];
    p99 = latencies[i99 < n_lat ? i99 : n_lat - 1];
  }
  /* JSON has no infinity: a lost request in the percentile is printed as -1 (the caller maps it back). */
  if (isinf(p50)) p50 = -1;
  if (isinf(p99)) p99 = -1;
  for (char *c = sample; *c; c++)
    if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = ' ';
  printf("{\"requests\":%ld,\"perSecond\":%.1f,\"p50Ms\":%.4f,\"p99Ms\":%.4f,\"errors\":%ld,\"lost\":%ld,\"reconnects\":%ld,\"sample\":\"%s\"}\n",
         ok_count, ok_count / seconds, isnan(p50) ? -2 : p50, isnan(p99) ? -2 : p99, errors, lost, reconnects, sample);
}

static uint32_t be32(const unsigned char *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static void put32(unsigned char *p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/* How many requests are due `now` in a run that started at `start` (at most `total`). */
static long due_by(long long now, long long start, double rate, long total) {
  long n = (long)((now - start) * rate / 1e9);
  return n < total ? n : total;
}

/* Sleeps until the socket set is readable or `until` (monotonic ns), whichever comes first. */
static void wait_until(struct pollfd *fds, int nfds, long long until) {
  long long d = until - now_ns();
  if (d < 0) d = 0;
  struct timespec t = {d / 1000000000LL, d % 1000000000LL};
  ppoll(fds, nfds, &t, NULL);
}

/*
 * Sleeps until `until` (monotonic ns) without waiting on any socket: an answer that arrives
 * meanwhile waits in its socket and wakes nobody. On loopback the server's send runs the
 * receiving side in its own system call, and waking a sleeping receiver there (an inter-processor
 * interrupt, costly in a virtual machine) would be charged to the server under test. Arrival times
 * come from the kernel's receive timestamps instead, so the tick adds nothing to the latencies.
 */
static void sleep_until(long long until) {
  struct timespec t = {until / 1000000000LL, until % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
  }
}

/* CLOCK_REALTIME minus CLOCK_MONOTONIC: kernel receive timestamps are wall-clock times. */
static long long realtime_offset(void) {
  struct timespec r, m;
  clock_gettime(CLOCK_REALTIME, &r);
  clock_gettime(CLOCK_MONOTONIC, &m);
  return ((long long)r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

/* The software receive timestamp of a message (monotonic ns), or `fallback` when it has none. */
static long long arrival(struct msghdr *h, long long offset, long long fallback) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec t;
      memcpy(&t, CMSG_DATA(c), sizeof t);
      return (long long)t.tv_sec * 1000000000LL + t.tv_nsec - offset;
    }
    if (c->cmsg_type == SCM_TIMESTAMPING) {
      struct timespec t[3];
      memcpy(t, CMSG_DATA(c), sizeof t);
      if (t[0].tv_sec || t[0].tv_nsec) return (long long)t[0].tv_sec * 1000000000LL + t[0].tv_nsec - offset;
    }
  }
  return fallback;
}

/* ---- UDP (BEP 15) ---- */

static int udp_main(int port, double rate, long long duration_ns, Records *recs) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in to = loopback(port);
  if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) die("connect");
  for (int i = 0; i < recs->count; i++)
    if (recs->len[i] < 98) die("an announce record is shorter than 98 bytes");

  /* Connection id: a connect request, retried for up to 3 s. */
  unsigned char cid[8], buf[2048];
  int have_cid = 0;
  struct pollfd pfd = {fd, POLLIN, 0};
  for (int attempt = 0; attempt < 3 && !have_cid; attempt++) {
    unsigned char req[16];
    put32(req, 0x417);
    put32(req + 4, 0x27101980);
    put32(req + 8, 0);
    put32(req + 12, 0x80000000u + attempt);
    send(fd, req, 16, 0);
    long long until = now_ns() + 1000000000LL;
    while (!have_cid && now_ns() < until) {
      wait_until(&pfd, 1, until);
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, 0)) >= 16) {
        if (be32(buf) == 0 && be32(buf + 4) == 0x80000000u + attempt) {
          memcpy(cid, buf + 8, 8);
          have_cid = 1;
        }
      }
    }
  }
  if (!have_cid) {
    fprintf(stderr, "open-loop: no connect answer from 127.0.0.1:%d\n", port);
    return 2;
  }

  long total = (long)(rate * duration_ns / 1e9) + 1;
  long long *due = malloc(sizeof *due * total);
  unsigned char *answered = calloc(total, 1);
  if (!due || !answered) die("memory");
  long sent = 0, answers = 0;
  long long start = now_ns(), stop_sending = start + duration_ns, deadline = stop_sending + LOST_AFTER_NS;
  struct mmsghdr msgs[64];
  struct iovec iov[64];
  static unsigned char rbuf[64][2048];
  static unsigned char cbuf[64][256];
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0) die("SO_TIMESTAMPNS");
  long long offset = realtime_offset();
  long tick = 0;
  for (;;) {
    long long now = now_ns();
    if (now < stop_sending) {
      for (long should = due_by(now, start, rate, total); sent < should; sent++) {
        unsigned char *p = recs->data[sent % recs->count];
        memcpy(p, cid, 8);
        put32(p + 12, (uint32_t)(sent + 1));
        due[sent] = start + (long long)(sent * 1e9 / rate);
        if (send(fd, p, recs->len[sent % recs->count], 0) < 0 && errno != EAGAIN && errno != ECONNREFUSED) die("send");
      }
    }
    int got;
    for (;;) {
      for (int i = 0; i < 64; i++) {
        iov[i].iov_base = rbuf[i];
        iov[i].iov_len = sizeof rbuf[i];
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = cbuf[i];
        msgs[i].msg_hdr.msg_controllen = sizeof cbuf[i];
      }
      if ((got = recvmmsg(fd, msgs, 64, MSG_DONTWAIT, NULL)) <= 0) break;
      long long read_at = now_ns();
      for (int i = 0; i < got; i++) {
        unsigned char *b = rbuf[i];
        unsigned len = msgs[i].msg_len;
        long long at = arrival(&msgs[i].msg_hdr, offset, read_at);
        if (len < 8) {
          fail("an answer shorter than 8 bytes");
          continue;
        }
        uint32_t action = be32(b), tid = be32(b + 4);
        if (tid >= 0x80000000u) continue; /* a repeated connect answer */
        if (tid == 0 || tid > (uint32_t)sent) {
          fail("an answer to no request sent");
          continue;
        }
        long k = tid - 1;
        if (answered[k]) {
          fail("a second answer to one request");
          continue;
        }
        answered[k] = 1;
        answers++;
        if (at - due[k] > LOST_AFTER_NS) {
          lost++;
          add_latency(INFINITY);
        } else if (action == 1 && len >= 20 && (len - 20) % 6 == 0 && be32(b + 8) > 0) {
          ok_count++;
          add_latency((at - due[k]) / 1e6);
        } else if (action == 3) {
          char why[120];
          snprintf(why, sizeof why, "error: %.*s", (int)(len - 8 < 100 ? len - 8 : 100), b + 8);
          fail(why);
        } else {
          char why[80];
          snprintf(why, sizeof why, "malformed answer of %u bytes", len);
          fail(why);
        }
      }
    }
    now = now_ns();
    if (now >= deadline || (now >= stop_sending && answers == sent)) break;
    long long next = start + ++tick * TICK_NS;
    if (next > now) sleep_until(next);
  }
  double seconds = (stop_sending - start) / 1e9;
  for (long k = 0; k < sent; k++)
    if (!answered[k]) {
      lost++;
      add_latency(INFINITY);
    }
  report(seconds);
  return 0;
}

/* ---- HTTP ---- */

typedef struct {
  int fd;
  int open;
  long inflight; /* index of the request in flight, -1 when idle */
  int len;
  unsigned char buf[MAX_RESPONSE];
} Conn;

static Conn *conns;
static int epfd, http_port;

static void conn_open(Conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int stamps = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  if (setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPING, &stamps, sizeof stamps) < 0) die("SO_TIMESTAMPING");
  struct sockaddr_in to = loopback(http_port);
  if (connect(c->fd, (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS) die("connect");
  c->open = 0;
  c->inflight = -1;
  c->len = 0;
  struct epoll_event ev = {EPOLLIN | EPOLLOUT, {.ptr = c}};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static const unsigned char *find(const unsigned char *h, int hn, const char *needle) {
  return memmem(h, hn, needle, strlen(needle));
}

/* Content-Length of a head [b, b + n): header names start lines; -1 when absent. */
static long content_length(const unsigned char *b, int n) {
  static const char name[] = "content-length:";
  int k = sizeof name - 1;
  for (int i = 1; i + k <= n; i++) {
    if (b[i - 1] != '\n' || strncasecmp((const char *)b + i, name, k) != 0) continue;
    int j = i + k;
    while (j < n && (b[j] == ' ' || b[j] == '\t')) j++;
    long v = 0;
    int digits = j;
    while (j < n && b[j] >= '0' && b[j] <= '9' && v < 100000000) v = v * 10 + (b[j++] - '0');
    return j > digits ? v : -1;
  }
  return -1;
}

static int http_main(int port, double rate, long long duration_ns, int nconns, Records *recs) {
  http_port = port;
  epfd = epoll_create1(0);
  if (epfd < 0) die("epoll");
  conns = calloc(nconns, sizeof *conns);
  if (!conns) die("memory");
  for (int i = 0; i < nconns; i++) conn_open(&conns[i]);
  /* Give the connections 200 ms to open, as the Node generator does. */
  struct epoll_event evs[256];
  long long warm = now_ns() + 200000000LL;
  while (now_ns() < warm) {
    int n = epoll_wait(epfd, evs, 256, 10);
    for (int i = 0; i < n; i++) {
      Conn *c = evs[i].data.ptr;
      if (!c->open && (evs[i].events & EPOLLOUT)) {
        c->open = 1;
        struct epoll_event ev = {EPOLLIN, {.ptr = c}};
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
      }
    }
  }

  long total = (long)(rate * duration_ns / 1e9) + 1;
  long long *due = malloc(sizeof *due * total);
  long *retry = malloc(sizeof *retry * (nconns + 1));
  if (!due || !retry) die("memory");
  int nretry = 0;
  long scheduled = 0, head = 0, at = 0;
  long long start = now_ns(), stop_sending = start + duration_ns, deadline = stop_sending + LOST_AFTER_NS;
  long long offset = realtime_offset();
  long tick = 0;
  int inflight = 0;
  for (;;) {
    long long now = now_ns();
    if (now < stop_sending) {
      for (long should = due_by(now, start, rate, total); scheduled < should; scheduled++) due[scheduled] = start + (long long)(scheduled * 1e9 / rate);
    }
    /* Due requests (ones to send again first) go to idle open connections. */
    for (int i = 0; i < nconns && (nretry > 0 || head < scheduled); i++) {
      Conn *c = &conns[i];
      if (!c->open || c->inflight >= 0) continue;
      long k = nretry > 0 ? retry[--nretry] : head++;
      int r = at++ % recs->count;
      ssize_t w = write(c->fd, recs->data[r], recs->len[r]);
      if (w != recs->len[r]) {
        /* A request does not fit an idle connection's empty buffer only if it is broken. */
        retry[nretry++] = k;
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        reconnects++;
        conn_open(c);
        continue;
      }
      c->inflight = k;
      inflight++;
    }
    if (now >= deadline || (now >= stop_sending && head >= scheduled && nretry == 0 && inflight == 0)) break;
    long long next = start + ++tick * TICK_NS;
    if (next > now_ns()) sleep_until(next);
    int n = epoll_wait(epfd, evs, 256, 0);
    for (int i = 0; i < n; i++) {
      Conn *c = evs[i].data.ptr;
      if (!c->open) {
        if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
          epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
          close(c->fd);
          reconnects++;
          conn_open(c);
          continue;
        }
        if (evs[i].events & EPOLLOUT) {
          c->open = 1;
          struct epoll_event ev = {EPOLLIN, {.ptr = c}};
          epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        }
        continue;
      }
      int closed = 0;
      long long t = now_ns();
      for (;;) {
        unsigned char control[256];
        struct iovec v = {c->buf + c->len, MAX_RESPONSE - c->len};
        struct msghdr h = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        ssize_t r = recvmsg(c->fd, &h, MSG_DONTWAIT);
        if (r > 0) {
          c->len += r;
          t = arrival(&h, offset, t);
          if (c->len == MAX_RESPONSE) break;
          continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) closed = 1;
        break;
      }
      /* Complete responses in the buffer. */
      for (;;) {
        const unsigned char *end = find(c->buf, c->len, "\r\n\r\n");
        if (!end) {
          if (c->len == MAX_RESPONSE) {
            fail("a response head over 64 KiB");
            closed = 1;
          }
          break;
        }
        int headn = end - c->buf;
        long length = content_length(c->buf, headn);
        if (length < 0) {
          char why[100];
          snprintf(why, sizeof why, "no Content-Length: %.*s", headn < 60 ? headn : 60, c->buf);
          fail(why);
          closed = 1;
          break;
        }
        long whole = headn + 4 + length;
        if (whole > MAX_RESPONSE) {
          fail("a response over 64 KiB");
          closed = 1;
          break;
        }
        if (c->len < whole) break;
        const unsigned char *body = c->buf + headn + 4;
        int status_ok = headn >= 12 && (memcmp(c->buf, "HTTP/1.1 200", 12) == 0 || memcmp(c->buf, "HTTP/1.0 200", 12) == 0);
        if (c->inflight < 0) {
          fail("a response to no request");
        } else if (!status_ok || length < 1 || body[0] != 'd' || !find(body, length, "8:intervali") || !find(body, length, "5:peers") ||
                   find(body, length, "failure reason")) {
          char why[100];
          snprintf(why, sizeof why, "%.12s %.*s", c->buf, (int)(length < 60 ? length : 60), body);
          fail(why);
          c->inflight = -1;
          inflight--;
        } else {
          long long waited = t - due[c->inflight];
          if (waited > LOST_AFTER_NS) {
            lost++;
            add_latency(INFINITY);
          } else {
            ok_count++;
            add_latency(waited / 1e6);
          }
          c->inflight = -1;
          inflight--;
        }
        memmove(c->buf, c->buf + whole, c->len - whole);
        c->len -= whole;
      }
      if (closed) {
        /* The request in flight will not be answered on this connection: send it again. */
        if (c->inflight >= 0) {
          retry[nretry++] = c->inflight;
          inflight--;
        }
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        reconnects++;
        conn_open(c);
      }
    }
  }
  double seconds = (stop_sending - start) / 1e9;
  long missing = (scheduled - head) + nretry + inflight;
  for (long k = 0; k < missing; k++) {
    lost++;
    add_latency(INFINITY);
  }
  report(seconds);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: open-loop udp PORT RATE DURATION_MS FILE | open-loop http PORT RATE DURATION_MS CONNECTIONS FILE\n");
    return 2;
  }
  int port = atoi(argv[2]);
  double rate = atof(argv[3]);
  long long duration_ns = atoll(argv[4]) * 1000000LL;
  /* BEP 15 connection ids live a minute; the runs here are seconds. */
  if (port <= 0 || port > 65535 || rate <= 0 || rate > 1e7 || duration_ns <= 0 || duration_ns > 50000000000LL) {
    fprintf(stderr, "open-loop: bad port, rate or duration (at most 50 s)\n");
    return 2;
  }
  cap_lat = (long)(rate * duration_ns / 1e9) + 16;
  latencies = malloc(sizeof *latencies * cap_lat);
  if (!latencies) die("memory");
  if (strcmp(argv[1], "udp") == 0) {
    Records r = read_records(argv[5]);
    return udp_main(port, rate, duration_ns, &r);
  }
  if (strcmp(argv[1], "http") == 0 && argc >= 7) {
    int n = atoi(argv[5]);
    if (n < 1 || n > MAX_CONNECTIONS) {
      fprintf(stderr, "open-loop: 1 to %d connections\n", MAX_CONNECTIONS);
      return 2;
    }
    Records r = read_records(argv[6]);
    return http_main(port, rate, duration_ns, n, &r);
  }
  fprintf(stderr, "open-loop: unknown mode %s\n", argv[1]);
  return 2;
}
