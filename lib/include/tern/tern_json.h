/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Prints any message encoded by terngen-generated code as JSON, driven by
 * the generated descriptor tables (<schema>_messages[]).  For tools and
 * logs (tern-log dump, debugging), not for hot paths.
 */
#ifndef TERN_JSON_H
#define TERN_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <tern/tern_api.h>
#include <tern/tern_codec.h>

/**
 * Write @p len bytes of @p s to @p f as a JSON string, quoted, with the same
 * escaping as tern_msg_to_json(): `"` and `\` escaped, bytes below 0x20 or
 * from 0x7f as \u00XX.  For tools printing names and errors.
 */
TERN_API void tern_json_fput_str(FILE *f, const char *s, size_t len);

/**
 * Writes the encoded message at @p buf as one JSON object:
 * {"_type":"Name","_version":V,"field":value,...}.  The type is looked up
 * by the id in the message header among @p msgs.  Integers print exactly,
 * enums by name, strings escaped (bytes outside printable ASCII as
 * \u00XX), NaN/infinities as the strings "NaN", "Infinity", "-Infinity",
 * absent optionals as null; fields the writer's version did not have are
 * omitted, and bytes appended by a newer writer are reported as
 * "_skipped_bytes":N.  The bytes are validated as strictly as the
 * generated decoders do.
 *
 * @param msgs   message descriptors to look the type id up in
 * @param n_msgs number of entries in @p msgs
 * @param buf    encoded message (header + body)
 * @param len    bytes available at @p buf
 * @param out    output buffer, always NUL-terminated when @p cap > 0 (an
 *               empty string on error)
 * @param cap    size of @p out
 * @return characters written (without the NUL), or
 *         TERN_CODEC_ENOSPACE (@p out too small), TERN_CODEC_EUNKNOWN
 *         (type id not in @p msgs), TERN_CODEC_ETRUNC, TERN_CODEC_EBADLEN,
 *         TERN_CODEC_EBADENUM, TERN_CODEC_EBADBOOL, TERN_CODEC_EBADFLAG,
 *         TERN_CODEC_EBADTYPE, TERN_CODEC_EBADVERSION (malformed bytes).
 */
TERN_API int64_t tern_msg_to_json(const struct tern_msg_desc *const *msgs, size_t n_msgs,
				  const void *buf, size_t len, char *out, size_t cap);

#endif
