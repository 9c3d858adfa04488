"""Splits a `perf report --stdio --no-children --sort dso,sym -g none` listing (stdin) of the
server by component, and scales the shares by the server's CPU µs per message.

    perf report ... | classify.py --cpu-us-per-msg 21.4 [--top 40] [--label TEXT]
"""

import argparse
import collections
import re
import subprocess
import sys

# Order matters: first match wins.
OBJECT_RULES = [
    ("libswift_Concurrency", "swift concurrency (tasks, executors)"),
    ("libdispatch", "swift concurrency (tasks, executors)"),
    ("libFoundation", "Foundation"),
]

RETAIN = re.compile(r"^(swift_(retain|release|bridgeObjectRetain|bridgeObjectRelease|unknownObjectRetain|unknownObjectRelease|nonatomic_\w+)(_n)?|_swift_release_dealloc|swift_isUniquelyReferenced\w*|swift_weak\w*)$")
ALLOC = re.compile(r"^(swift_allocObject|swift_deallocObject\w*|swift_slowAlloc|swift_slowDealloc|swift_allocBox|swift_deallocBox|swift_deallocClassInstance|swift_deallocUninitializedObject|swift_initStackObject|swift_setDeallocating|malloc|free|cfree|calloc|realloc|_int_malloc|_int_free\w*|malloc_consolidate|tcache_\w+|_int_realloc|__libc_malloc|__libc_free|__libc_calloc|__libc_realloc|__posix_memalign|posix_memalign|_mid_memalign|aligned_alloc|unlink_chunk\S*|alloc_perturb|checked_request2size|malloc_usable_size|__malloc_usable_size|musable|sysmalloc|systrim|_int_memalign)$")
EXCLUSIVITY = re.compile(r"^swift_(beginAccess|endAccess)$")
MEMCOPY = re.compile(r"^(__)?(memcpy|memmove|memset|memcmp|bcmp|strlen|wmemset)\w*$")
SYSCALL = re.compile(r"^(__)?(libc_)?(read|write|readv|writev|recv|recvmsg|recvfrom|send|sendmsg|sendto|epoll_wait|epoll_pwait|epoll_ctl|eventfd_write|eventfd_read|syscall|accept4?|close|shutdown|ioctl|fcntl|getsockopt|setsockopt|timerfd_settime|clock_gettime|__clock_gettime\w*|clock_nanosleep|nanosleep|getpid|sched_yield)(64)?(_nocancel)?$")
LOCKS = re.compile(r"^(pthread_\w+|__pthread_\w+|lll_\w+|__lll_\w+|futex\w*|__futex\w*|___pthread\w*)$")
METADATA = re.compile(r"^swift_(getGenericMetadata|getWitnessTable|checkMetadataState|getTypeByMangledName\w*|conformsToProtocol\w*|getAssociated\w+|dynamicCast\w*|getExistentialTypeMetadata|getTupleTypeMetadata\w*|getFunctionTypeMetadata\w*|instantiate\w*|once|getObjectType|getCanonical\w*|allocateGenericValueMetadata|compareWitnessTables|getOpaqueTypeConformance\w*)$")

# The release binary is profiled without DWARF (valgrind 3.19 cannot read Swift's DWARF 5), so
# functions are attributed by the first module named in their demangled name, after dropping
# generic arguments: "closure #1 in WSLink.X.f" -> WSLink, "specialization <WSLink.T> of
# Swift.Array.append" -> stdlib.
MODULES = {
    "SwitchboardCore": "ours: SwitchboardCore",
    "SwitchboardWebSocket": "ours: SwitchboardWebSocket",
    "WSLink": "ours: WSLink",
    "MsgPack": "ours: MsgPack",
    "CrossComm": "ours: CrossComm",
    "Siyi": "ours: Siyi",
    "switchboard": "ours: switchboard",
    "WSCore": "WSCore / hummingbird-websocket",
    "HummingbirdWebSocket": "WSCore / hummingbird-websocket",
    "WSCompression": "WSCore / hummingbird-websocket",
    "Hummingbird": "Hummingbird",
    "HummingbirdCore": "Hummingbird",
    "NIOWebSocket": "NIO: NIOWebSocket (frame codec, unmasking)",
    "NIOPosix": "NIO: NIOPosix (event loop, sockets)",
    "NIOCore": "NIO: core (pipeline, ByteBuffer)",
    "NIOConcurrencyHelpers": "NIO: core (pipeline, ByteBuffer)",
    "NIOHTTP1": "NIO: core (pipeline, ByteBuffer)",
    "_NIODataStructures": "NIO: core (pipeline, ByteBuffer)",
    "DequeModule": "swift-collections",
    "Logging": "swift-log",
    "ServiceLifecycle": "service-lifecycle",
    "Synchronization": "swift stdlib (generic code)",
    "Swift": "swift stdlib (generic code)",
    "_Concurrency": "swift concurrency (tasks, executors)",
    "Foundation": "Foundation",
}
MODULE_TOKEN = re.compile(r"(?<![\w.])(" + "|".join(sorted(MODULES, key=len, reverse=True)) + r")\.(\w+)")
BRIDGE_TYPES = ("NIOAsync", "NIOThrowingAsync", "NIOAsyncSequenceProducer", "NIOAsyncWriter")


def strip_generics(name):
    result = []
    depth = 0
    for character in name:
        if character == "<":
            depth += 1
        elif character == ">" and depth:
            depth -= 1
        elif depth == 0:
            result.append(character)
    return "".join(result)


def module_of(readable):
    # "(extension in NIOWebSocket):NIOCore.ByteBuffer.f" is NIOWebSocket's code.
    readable = re.sub(r"\(extension in (\w+)\):[\w.]*?\.", r"\1.", readable)
    match = MODULE_TOKEN.search(strip_generics(readable))
    if not match:
        return None
    module, first = match.group(1), match.group(2)
    if module == "NIOCore" and first.startswith(BRIDGE_TYPES):
        return "NIO: async channel bridge (NIOAsyncChannel/Writer)"
    return MODULES[module]


def demangle(symbols):
    symbols = list(symbols)
    try:
        result = subprocess.run(["swift", "demangle"], input="\n".join(symbols), capture_output=True, text=True, check=True)
        lines = result.stdout.split("\n")
        if len(lines) >= len(symbols):
            return dict(zip(symbols, lines))
    except (OSError, subprocess.CalledProcessError):
        pass
    return {symbol: symbol for symbol in symbols}


# Runtime and libc symbols by name, checked in this order.
SYMBOL_RULES = [
    (RETAIN, "runtime: retain/release"),
    (ALLOC, "runtime: allocation (malloc/free, swift_allocObject)"),
    (EXCLUSIVITY, "runtime: exclusivity checks"),
    (METADATA, "runtime: metadata, casts, witness tables"),
    (MEMCOPY, "memcpy/memset/memcmp"),
    (SYSCALL, "kernel-facing I/O (syscall wrappers, user side)"),
    (LOCKS, "locks (pthread)"),
]


def classify(ob, fl, fn, readable):
    for pattern, label in OBJECT_RULES:
        if pattern in ob:
            return label
    for pattern, label in SYMBOL_RULES:
        if pattern.match(fn):
            return label
    if "libswiftCore" in ob:
        return "swift stdlib (libswiftCore)"
    if "libc.so" in ob or "libc-" in ob or "ld-linux" in ob or "[vdso]" in ob:
        return "libc other"
    return module_of(readable) or "other"


LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*?)\s*$")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpu-us-per-msg", type=float, required=True)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    rows = []
    for line in sys.stdin:
        match = LINE.match(line)
        if match:
            rows.append((float(match.group(1)), match.group(2), match.group(3), match.group(4)))
    readable = demangle({row[3] for row in rows})
    by_component = collections.Counter()
    by_function = collections.Counter()
    for percent, dso, level, symbol in rows:
        name = readable.get(symbol, symbol)
        if level == "k":
            component = "kernel (syscalls, loopback TCP, scheduler)"
        else:
            component = classify(dso, "", symbol, name)
        by_component[component] += percent
        by_function[(component, name)] += percent
    total = sum(by_component.values()) or 1
    scale = args.cpu_us_per_msg / total
    print(f"# {args.label}".rstrip())
    print(f"server CPU per message: {args.cpu_us_per_msg:.2f} us ({total:.1f}% of samples attributed)")
    print()
    print(f"{'component':58} {'us/msg':>8} {'share':>7}")
    for component, value in by_component.most_common():
        if value < 0.05:
            continue
        print(f"{component:58} {value * scale:>8.2f} {100 * value / total:>6.1f}%")
    print()
    print(f"top {args.top} functions (self)")
    for (component, name), value in by_function.most_common(args.top):
        short_name = name if len(name) <= 160 else name[:157] + "..."
        print(f"{value * scale:>7.3f} us {100 * value / total:>5.1f}%  [{component.split(':')[0].split(' ')[0]}] {short_name}")


if __name__ == "__main__":
    sys.exit(main())
