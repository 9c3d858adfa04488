// A minimal closed-loop WebSocket load client for profiling the server (not the benchmark:
// that is switchboard-bench). One thread, epoll, pre-built masked frames, so one core of it
// keeps a one-core server busy, which the Python driver cannot.
//
//   cc -O2 -o wsload wsload.c
//   wsload echo      PORT CLIENTS SECONDS [SIZE]   # /echo, binary SIZE bytes (default 64)
//   wsload rpc       PORT CLIENTS SECONDS          # /ws, wslink 2.x demo.add round trips
//   wsload publish   PORT CLIENTS SECONDS          # /ws, every client keeps 32 demo.start
//                                                  #   calls running; counts deliveries
//   wsload crosscomm PORT CLIENTS SECONDS          # /crosscomm, CLIENTS/2 pairs forwarding
//
// Prints `mode=... messages=N seconds=S msgs_per_s=X` after a one-second warm-up.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    uint8_t *data;
    size_t length, capacity;
} Buffer;

static void append(Buffer *buffer, const void *bytes, size_t length) {
    if (buffer->length + length > buffer->capacity) {
        buffer->capacity = (buffer->length + length) * 2;
        buffer->data = realloc(buffer->data, buffer->capacity);
    }
    memcpy(buffer->data + buffer->length, bytes, length);
    buffer->length += length;
}

static void byte(Buffer *buffer, uint8_t value) { append(buffer, &value, 1); }

static void mp_string(Buffer *buffer, const char *string) {
    size_t length = strlen(string);
    byte(buffer, 0xa0 | (uint8_t)length);  // fixstr: every string here is < 32 bytes
    append(buffer, string, length);
}

// A masked client frame carrying `payload`.
static Buffer frame(uint8_t opcode, const uint8_t *payload, size_t length) {
    Buffer out = {0};
    static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    byte(&out, 0x80 | opcode);
    if (length < 126) {
        byte(&out, 0x80 | (uint8_t)length);
    } else if (length < 65536) {
        byte(&out, 0x80 | 126);
        byte(&out, (uint8_t)(length >> 8));
        byte(&out, (uint8_t)length);
    } else {
        byte(&out, 0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) byte(&out, (uint8_t)(length >> shift));
    }
    append(&out, mask, 4);
    for (size_t i = 0; i < length; i++) byte(&out, payload[i] ^ mask[i % 4]);
    return out;
}

// A wslink 2.x single-chunk message: 12-byte header, then the msgpack payload.
static Buffer wslink_frame(Buffer payload) {
    Buffer chunk = {0};
    uint32_t header[3] = {0x01020304, 0, (uint32_t)payload.length};  // little-endian hosts
    append(&chunk, header, 12);
    append(&chunk, payload.data, payload.length);
    Buffer out = frame(2, chunk.data, chunk.length);
    free(chunk.data);
    free(payload.data);
    return out;
}

static Buffer wslink_request(const char *id, const char *method, int argument_count, const int *arguments, const char *kwarg_name, int kwarg_value, const char *kwarg2_name, const char *kwarg2_value) {
    Buffer p = {0};
    byte(&p, 0x85);
    mp_string(&p, "wslink"); mp_string(&p, "1.0");
    mp_string(&p, "id"); mp_string(&p, id);
    mp_string(&p, "method"); mp_string(&p, method);
    mp_string(&p, "args");
    byte(&p, 0x90 | (uint8_t)argument_count);
    for (int i = 0; i < argument_count; i++) byte(&p, (uint8_t)arguments[i]);
    mp_string(&p, "kwargs");
    if (kwarg_name) {
        byte(&p, 0x82);
        mp_string(&p, kwarg_name); byte(&p, (uint8_t)kwarg_value);
        mp_string(&p, kwarg2_name); mp_string(&p, kwarg2_value);
    } else {
        byte(&p, 0x80);
    }
    return wslink_frame(p);
}

static Buffer wslink_hello(void) {
    Buffer p = {0};
    byte(&p, 0x85);
    mp_string(&p, "wslink"); mp_string(&p, "1.0");
    mp_string(&p, "id"); mp_string(&p, "system:c0:0");
    mp_string(&p, "method"); mp_string(&p, "wslink.hello");
    mp_string(&p, "args"); byte(&p, 0x91); byte(&p, 0x81); mp_string(&p, "secret"); mp_string(&p, "wslink-secret");
    mp_string(&p, "kwargs"); byte(&p, 0x80);
    return wslink_frame(p);
}

static Buffer crosscomm_frame(const char *from, const char *to, const char *type, const char *content) {
    char text[512];
    int length = snprintf(text, sizeof text,
        "{\"msg_id\": \"%s_1_bench\", \"from_client_id\": \"%s\", \"to_client_id\": \"%s\", \"msg_type\": \"%s\", "
        "\"content\": %s, \"timestamp\": 1795306411.758317, \"oss_key\": null}", from, from, to, type, content);
    return frame(1, (const uint8_t *)text, (size_t)length);
}

typedef struct {
    int fd;
    Buffer in;
    int peer;  // crosscomm: the other side of the pair
} Client;

static void send_all(int fd, const Buffer *buffer) {
    size_t sent = 0;
    while (sent < buffer->length) {
        ssize_t n = send(fd, buffer->data + sent, buffer->length - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            perror("send");
            exit(1);
        }
        sent += (size_t)n;
    }
}

// Takes one whole server frame out of `client->in`; returns its payload length or -1.
static long take_frame(Client *client, uint8_t *opcode, const uint8_t **payload) {
    Buffer *in = &client->in;
    if (in->length < 2) return -1;
    size_t header = 2;
    uint64_t length = in->data[1] & 0x7f;
    if (length == 126) {
        if (in->length < 4) return -1;
        length = ((uint64_t)in->data[2] << 8) | in->data[3];
        header = 4;
    } else if (length == 127) {
        if (in->length < 10) return -1;
        length = 0;
        for (int i = 0; i < 8; i++) length = (length << 8) | in->data[2 + i];
        header = 10;
    }
    if (in->length < header + length) return -1;
    *opcode = in->data[0] & 0x0f;
    *payload = in->data + header;
    return (long)length;
}

static void consume(Client *client, long length) {
    Buffer *in = &client->in;
    size_t header = length < 126 ? 2 : length < 65536 ? 4 : 10;
    size_t used = header + (size_t)length;
    memmove(in->data, in->data + used, in->length - used);
    in->length -= used;
}

static int read_some(Client *client) {
    uint8_t chunk[65536];
    ssize_t n = recv(client->fd, chunk, sizeof chunk, 0);
    if (n > 0) append(&client->in, chunk, (size_t)n);
    return (int)n;
}

static long blocking_frame(Client *client, const uint8_t **payload) {
    uint8_t opcode;
    long length;
    while ((length = take_frame(client, &opcode, payload)) < 0) {
        if (read_some(client) <= 0) { fprintf(stderr, "connection closed during set-up\n"); exit(1); }
    }
    return length;
}

static int open_client(int port, const char *path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); exit(1); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char request[512];
    int length = snprintf(request, sizeof request,
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, port);
    Buffer b = {(uint8_t *)request, (size_t)length, (size_t)length};
    send_all(fd, &b);
    char response[4096];
    size_t have = 0;
    while (!memmem(response, have, "\r\n\r\n", 4)) {
        ssize_t n = recv(fd, response + have, sizeof response - have, 0);
        if (n <= 0) { fprintf(stderr, "handshake failed\n"); exit(1); }
        have += (size_t)n;
    }
    if (strncmp(response, "HTTP/1.1 101", 12) != 0) { fprintf(stderr, "no upgrade: %.40s\n", response); exit(1); }
    return fd;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: wsload echo|rpc|publish|crosscomm PORT CLIENTS SECONDS [SIZE]\n"); return 2; }
    const char *mode = argv[1];
    int port = atoi(argv[2]), count = atoi(argv[3]);
    double seconds = atof(argv[4]);
    size_t size = argc > 5 ? (size_t)atol(argv[5]) : 64;
    int echo = !strcmp(mode, "echo"), rpc = !strcmp(mode, "rpc"), publish = !strcmp(mode, "publish"), crosscomm = !strcmp(mode, "crosscomm");
    const char *path = echo ? "/echo" : crosscomm ? "/crosscomm" : "/ws";
    Client *clients = calloc((size_t)count, sizeof(Client));
    Buffer *requests = calloc((size_t)count, sizeof(Buffer));
    Buffer hello = wslink_hello();
    int add_arguments[2] = {2, 3};
    Buffer add = wslink_request("rpc:c:1", "demo.add", 2, add_arguments, NULL, 0, NULL, NULL);
    Buffer start = wslink_request("rpc:c:2", "demo.start", 0, NULL, "count", 100, "topic", "bench.topic");
    uint8_t *payload = malloc(size);
    for (size_t i = 0; i < size; i++) payload[i] = (uint8_t)(i * 7);
    Buffer echo_frame = frame(2, payload, size);

    int epoll = epoll_create1(0);
    for (int i = 0; i < count; i++) {
        clients[i].fd = open_client(port, path);
        const uint8_t *reply;
        if (rpc || publish) {
            send_all(clients[i].fd, &hello);
            consume(&clients[i], blocking_frame(&clients[i], &reply));
        }
        if (crosscomm) {
            char name[16], other[16];
            snprintf(name, sizeof name, "%c%d", i % 2 ? 'b' : 'a', i / 2);
            snprintf(other, sizeof other, "%c%d", i % 2 ? 'a' : 'b', i / 2);
            Buffer login = crosscomm_frame(name, "server", "login", "{}");
            send_all(clients[i].fd, &login);
            consume(&clients[i], blocking_frame(&clients[i], &reply));
            requests[i] = crosscomm_frame(name, other, "text", "\"hello from the load client\"");
            clients[i].peer = i ^ 1;
        }
        struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(epoll, EPOLL_CTL_ADD, clients[i].fd, &event);
    }
    // Prime the closed loops.
    for (int i = 0; i < count; i++) {
        if (echo) send_all(clients[i].fd, &echo_frame);
        if (rpc) send_all(clients[i].fd, &add);
        if (publish) for (int k = 0; k < 32; k++) send_all(clients[i].fd, &start);
        if (crosscomm && i % 2 == 0) send_all(clients[i].fd, &requests[i]);
    }
    double begin = now(), measure_from = begin + 1.0, end = measure_from + seconds;
    long messages = 0;
    struct epoll_event events[256];
    for (double t = now(); t < end; t = now()) {
        int ready = epoll_wait(epoll, events, 256, 100);
        int counting = t >= measure_from;
        for (int e = 0; e < ready; e++) {
            Client *client = &clients[events[e].data.u32];
            if (read_some(client) <= 0) { fprintf(stderr, "server closed a connection\n"); return 1; }
            uint8_t opcode;
            const uint8_t *reply;
            long length;
            while ((length = take_frame(client, &opcode, &reply)) >= 0) {
                if (opcode == 1 || opcode == 2) {
                    if (echo) { send_all(client->fd, &echo_frame); messages += counting; }
                    if (rpc) { send_all(client->fd, &add); messages += counting; }
                    if (publish) {
                        if (memmem(reply, (size_t)length, "publish:", 8)) messages += counting;
                        else send_all(client->fd, &start);  // a demo.start finished: start another
                    }
                    if (crosscomm) {
                        // Received a forward: answer the peer, which is waiting for it.
                        int self = (int)(client - clients);
                        send_all(client->fd, &requests[self]);
                        messages += counting;
                    }
                }
                consume(client, length);
            }
        }
    }
    printf("mode=%s clients=%d size=%zu messages=%ld seconds=%.1f msgs_per_s=%.0f\n", mode, count, size, messages, seconds, (double)messages / seconds);
    return 0;
}
