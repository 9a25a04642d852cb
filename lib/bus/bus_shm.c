/* SPDX-License-Identifier: Apache-2.0 */
#include "tern_shm.h"

size_t tern__shm_layout(struct tern__shm *s)
{
	size_t off = RTE_ALIGN_CEIL(sizeof(*s), RTE_CACHE_LINE_SIZE);

	s->off_topics = off;
	off += (size_t)s->max_topics * sizeof(struct tern__topic);
	s->off_subs = off;
	off += (size_t)s->max_subs * sizeof(struct tern__sub);
	s->off_links = off;
	off += (size_t)s->max_links * sizeof(struct tern__link);
	s->off_clients = off;
	off += (size_t)s->max_clients * sizeof(struct tern__client);
	s->total_size = off;
	return off;
}
