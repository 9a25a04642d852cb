#!/bin/sh
# The example at the top of tern.h compiles: check_header_example.sh <cc>
# <include-dir>.  Its indented lines are cut out of the comment, put in a
# function body and built with -Wall -Wextra -Werror, so the example
# cannot drift from the API it shows.
set -u
cc=$1 inc=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
{
    printf '#include <stdio.h>\n#include <string.h>\n#include <tern/tern.h>\n'
    printf 'void handle(const void *p, uint32_t n);\nint example(const char *payload);\n'
    printf 'int example(const char *payload)\n{\n'
    sed -n '/A publisher and a subscriber, start to end/,/^ \* Threads:/p' "$inc/tern/tern.h" |
        sed -n 's/^ \*     //p'
    printf '    (void)seq;\n    return 0;\n}\n'
} >"$tmp/example.c"
if [ "$(grep -c tern_ "$tmp/example.c")" -lt 10 ]; then
    cat "$tmp/example.c"; echo "FAIL: no example found in tern.h"; exit 1
fi
"$cc" -std=gnu11 -Wall -Wextra -Werror -I"$inc" -c "$tmp/example.c" -o "$tmp/example.o" || {
    cat -n "$tmp/example.c"; echo "FAIL: the example in tern.h does not compile"; exit 1; }
echo "ok: tern.h's example compiles"
