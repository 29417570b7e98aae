/* consume.c: cbr-stream's consumer side: group membership, batches, the
 * evaluation and the per-batch commit.
 *
 * A batch is what the consumer hands over within --wait-ms, at most
 * --batch-size messages.  It is evaluated as one cbr batch, then counters,
 * outbox and offsets are committed in one SQLite transaction, then the
 * outbox goes to the producer, then Kafka's own offsets are committed
 * (asynchronously: the stored ones are what a restart resumes from).
 *
 * Rebalances: on assignment each partition starts at the offset the store
 * holds for it (Kafka's committed offset only when the store has none, e.g.
 * a partition new to this instance).  On revocation the batch being built
 * is finished and committed first, and Kafka's offsets synchronously, so
 * the next owner starts where this one stopped.  Messages below the stored
 * offset (a reset, a replayed fetch) are skipped, never counted twice. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hosts/json.h"
#include "hosts/stream/stream.h"
#include "stdlib/textbuf.h"

static stream_part *part(stream_host *h, int32_t p)
{
    if (p < 0)
        return NULL;
    if ((size_t)p >= h->nparts) {
        size_t n = (size_t)p + 1;
        stream_part *q = realloc(h->parts, n * sizeof *q);
        if (!q)
            return NULL;
        for (size_t i = h->nparts; i < n; i++)
            q[i] = (stream_part){.next = -1};
        h->parts = q;
        h->nparts = n;
    }
    return &h->parts[p];
}

/* Kafka's committed offsets for the partitions touched so far; sync on
 * revocation and stop, async after each batch. */
static void commit_kafka(stream_host *h, bool sync)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < h->nparts; i++)
        if (h->parts[i].assigned && h->parts[i].next >= 0)
            rd_kafka_topic_partition_list_add(l, h->cfg->topic, (int32_t)i)->offset = h->parts[i].next;
    if (l->cnt > 0) {
        rd_kafka_resp_err_t e = rd_kafka_commit(h->consumer, l, sync ? 0 : 1);
        if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
            fprintf(stderr, STREAM_PROG ": committing offsets to Kafka: %s (the store has them)\n",
                    rd_kafka_err2str(e));
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void drop_pending(stream_host *h)
{
    for (size_t i = 0; i < h->npending; i++)
        rd_kafka_message_destroy(h->pending[i]);
    h->npending = 0;
}

/* A partition whose stored offset could not be read: fatal. */
static void assign_failed(stream_host *h, const rd_kafka_topic_partition_t *tp)
{
    fprintf(stderr, STREAM_PROG ": cannot take %s/%d without its stored offset; stopping\n", tp->topic,
            tp->partition);
    h->fatal = true;
    stream_stop = 1;
}

/* A stored offset behind Kafka's committed one means that another owner
 * went on from here with counters this store does not hold (a partition
 * moved A -> B -> A, each with its own store), or that the store was
 * restored from an older copy.  Replaying from it would count those
 * records a second time against other counters: refuse, and say what to
 * do.  When Kafka cannot say, the stored offsets are used, with a warning. */
static void check_committed(stream_host *h, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts->cnt > 0 ? parts->cnt : 1);
    for (int i = 0; i < parts->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &parts->elems[i];
        stream_part *sp = strcmp(tp->topic, h->cfg->topic) ? NULL : part(h, tp->partition);
        if (sp && sp->next >= 0)
            rd_kafka_topic_partition_list_add(l, tp->topic, tp->partition);
    }
    rd_kafka_resp_err_t e = l->cnt ? rd_kafka_committed(rk, l, 10000) : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (e) {
        fprintf(stderr, STREAM_PROG ": warning: Kafka's committed offsets could not be read (%s); "
                        "resuming at the stored ones unchecked\n", rd_kafka_err2str(e));
        l->cnt = 0;
    }
    for (int i = 0; i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *c = &l->elems[i];
        const stream_part *sp = part(h, c->partition);
        if (c->err || c->offset < 0 || !sp || c->offset <= sp->next)
            continue;
        fprintf(stderr,
                STREAM_PROG ": %s/%d: the stored offset %lld is behind Kafka's committed offset %lld: "
                            "records %lld..%lld were counted by another instance or against another copy of "
                            "this state, and replaying them here would count them twice; stopping (run every "
                            "instance of the group on one shared state, or restore the state that committed them)\n",
                c->topic, c->partition, (long long)sp->next, (long long)c->offset, (long long)sp->next,
                (long long)c->offset - 1);
        h->fatal = true;
        stream_stop = 1;
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
    stream_host *h = opaque;
    bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt && !h->fatal; i++) {
            rd_kafka_topic_partition_t *tp = &parts->elems[i];
            if (strcmp(tp->topic, h->cfg->topic))
                continue;
            stream_part *sp = part(h, tp->partition);
            int64_t epoch = 0, next = -2;
            if (!sp)
                fprintf(stderr, STREAM_PROG ": out of memory taking %s/%d\n", tp->topic, tp->partition);
            /* A fleet's store that is down is waited for: without the
             * partition's epoch nothing of it can be committed. */
            while (sp && (next = stream_store_take(h->store, tp->topic, tp->partition, h->cfg->instance,
                                                   &epoch)) == -2 &&
                   stream_store_lost(h->store) && stream_store_wait(h)) {
            }
            if (next == -2) {
                assign_failed(h, tp);
                break;
            }
            sp->assigned = true;
            sp->next = next;
            sp->epoch = epoch;
            if (next >= 0)
                tp->offset = next;
        }
        if (!h->fatal)
            check_committed(h, rk, parts);
        if (h->fatal) {
            /* Evaluate none of them: consuming on would replay or skip what
             * the store does not describe.  They are still assigned, so the
             * group's protocol completes and the close leaves it cleanly;
             * the fatal flag keeps every batch from being evaluated. */
            for (size_t i = 0; i < h->nparts; i++)
                h->parts[i] = (stream_part){.next = -1};
        }
        for (int i = 0; i < parts->cnt && !h->fatal; i++) {
            rd_kafka_topic_partition_t *tp = &parts->elems[i];
            stream_part *sp = strcmp(tp->topic, h->cfg->topic) ? NULL : part(h, tp->partition);
            if (!sp)
                continue;
            /* Without a stored offset the position is Kafka's, which is not
             * known until the consumer fetches it: name it, print no number. */
            char epoch[48] = "";
            if (stream_store_shared(h->store))
                snprintf(epoch, sizeof epoch, " (epoch %lld)", (long long)sp->epoch);
            if (sp->next >= 0)
                fprintf(stderr, STREAM_PROG ": assigned %s/%d%s, resuming at stored offset %lld\n", tp->topic,
                        tp->partition, epoch, (long long)sp->next);
            else
                fprintf(stderr, STREAM_PROG ": assigned %s/%d%s, resuming at Kafka's committed offset\n",
                        tp->topic, tp->partition, epoch);
            /* What its last owner committed but Kafka never acknowledged
             * (a crash): this instance sends it now. */
            if (stream_store_shared(h->store) && stream_outbox_resend_part(h, tp->partition) != 0) {
                fprintf(stderr, STREAM_PROG ": cannot read the outbox of %s/%d; stopping\n", tp->topic,
                        tp->partition);
                h->fatal = true;
                stream_stop = 1;
            }
        }
        rd_kafka_error_t *e = NULL;
        rd_kafka_resp_err_t re = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (cooperative)
            e = rd_kafka_incremental_assign(rk, parts);
        else
            re = rd_kafka_assign(rk, parts);
        if (e || re) {
            fprintf(stderr, STREAM_PROG ": assigning partitions: %s\n",
                    e ? rd_kafka_error_string(e) : rd_kafka_err2str(re));
            if (e)
                rd_kafka_error_destroy(e);
        }
        return;
    }
    /* Revoked (or lost).  What was collected is finished first, so that the
     * stored and committed offsets cover it before another member reads on. */
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk)) {
        if (stream_process_pending(h) == 0)
            commit_kafka(h, true);
        /* A fleet's next owner resends what is left in the outbox of these
         * partitions: delivered now, little is sent twice. */
        if (stream_store_shared(h->store) && !h->fatal) {
            stream_outbox_flush(h, 5000);
            stream_outbox_commit_acks(h);
        }
    } else {
        /* Lost: someone else may own these partitions already; what was
         * collected but not committed is read again by its owner. */
        fprintf(stderr, STREAM_PROG ": partitions lost: %s\n", rd_kafka_err2str(err));
        drop_pending(h);
    }
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[i];
        stream_part *sp = strcmp(tp->topic, h->cfg->topic) ? NULL : part(h, tp->partition);
        if (sp) {
            fprintf(stderr, STREAM_PROG ": revoked %s/%d at offset %lld\n", tp->topic, tp->partition,
                    (long long)sp->next);
            *sp = (stream_part){.next = -1};
        }
    }
    stream_metrics_forget_partitions(h->metrics);
    /* The room leased is given back for whoever needs it next. */
    if (h->shared && stream_shared_release(h->shared) != 0)
        fprintf(stderr, STREAM_PROG ": the leases could not be given back; they expire in %ld s\n",
                h->cfg->lease_seconds);
    stream_metrics_leases(h->metrics, h->shared);
    if (cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
        if (e)
            rd_kafka_error_destroy(e);
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

int stream_consumer_start(stream_host *h)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {
        {"bootstrap.servers", h->cfg->brokers}, {"group.id", h->cfg->group},
        /* offsets are ours: stored in SQLite, committed to Kafka by hand */
        {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"}, {"enable.partition.eof", "false"},
        {"client.id", "cbr-stream"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, STREAM_PROG ": consumer %s: %s\n", kv[i][0], err);
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    if (stream_apply_props(h->cfg, conf, 1) != 0) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, h);
    h->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!h->consumer) {
        fprintf(stderr, STREAM_PROG ": creating the consumer: %s\n", err);
        return -1;
    }
    rd_kafka_poll_set_consumer(h->consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, h->cfg->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(h->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        fprintf(stderr, STREAM_PROG ": subscribing to %s: %s\n", h->cfg->topic, rd_kafka_err2str(e));
        return -1;
    }
    h->pending = calloc((size_t)h->cfg->batch_size, sizeof *h->pending);
    h->rows = calloc((size_t)h->cfg->batch_size, sizeof *h->rows);
    if (!h->pending || !h->rows) {
        fprintf(stderr, STREAM_PROG ": out of memory for a batch of %ld\n", h->cfg->batch_size);
        return -1;
    }
    return 0;
}

void stream_consumer_close(stream_host *h)
{
    if (!h->consumer)
        return;
    /* Leaving the group revokes the assignment through on_rebalance, which
     * finishes and commits the last batch. */
    rd_kafka_resp_err_t e = rd_kafka_consumer_close(h->consumer);
    if (e)
        fprintf(stderr, STREAM_PROG ": closing the consumer: %s\n", rd_kafka_err2str(e));
    drop_pending(h);
    rd_kafka_destroy(h->consumer);
    h->consumer = NULL;
    free(h->pending);
    free(h->rows);
    h->pending = NULL;
    h->rows = NULL;
}

/* ---- building the batch's messages ---- */

/* An unreadable record: its bytes and key unchanged, the reason and where it came from. */
static int reject(stream_host *h, const rd_kafka_message_t *msg, const char *why)
{
    stream_msg *m = stream_out_new(h);
    char src[600];
    if (!m)
        return -1;
    m->kind = STREAM_REJECT;
    if (msg->key) {
        m->key = stream_dup(msg->key, msg->key_len);
        m->keylen = msg->key_len;
    }
    m->value = stream_dup(msg->payload ? msg->payload : "", msg->payload ? msg->len : 0);
    m->valuelen = msg->payload ? msg->len : 0;
    m->reason = strdup(why);
    snprintf(src, sizeof src, "%s/%d@%lld", rd_kafka_topic_name(msg->rkt), msg->partition,
             (long long)msg->offset);
    m->source = strdup(src);
    if ((msg->key && !m->key) || !m->value || !m->reason || !m->source)
        return -1;
    fprintf(stderr, STREAM_PROG ": %s: rejected: %s\n", src, why);
    return 0;
}

static void on_award(void *ud, const cbr_award *a)
{
    stream_event_ud *e = ud;
    const stream_row *r = &e->h->rows[a->row];
    if (stream_event_add(e->h, a, r->tid, r->timestamp, cbr_program_hash(e->h->prog)) != 0)
        e->oom = true;
}

static void clear_rows(stream_host *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h->rows[i].tid);
        free(h->rows[i].user_id);
        free(h->rows[i].timestamp);
        h->rows[i] = (stream_row){0};
    }
}

/* In a fleet a user's counters and records belong to the partition its
 * messages are keyed to: a record keyed otherwise would be counted by
 * another partition's owner against a copy of them. */
static bool miskeyed(const rd_kafka_message_t *msg, const cbrin_record *rec, char *why, size_t n)
{
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        if (c->missing || c->keylen != 7 || memcmp(c->key, "user_id", 7))
            continue;
        if (msg->key && msg->key_len == c->len && !memcmp(msg->key, c->val, c->len))
            return false;
        if (msg->key)
            snprintf(why, n, "the Kafka key \"%.*s\" is not its user_id \"%.*s\" (a fleet keeps a user's "
                     "state in the partition of its key)", (int)(msg->key_len > 100 ? 100 : msg->key_len),
                     (const char *)msg->key, (int)(c->len > 100 ? 100 : c->len), c->val);
        else
            snprintf(why, n, "the message has no Kafka key, so its key is not its user_id \"%.*s\" (a fleet "
                     "keeps a user's state in the partition of its key)", (int)(c->len > 100 ? 100 : c->len),
                     c->val);
        return true;
    }
    return false;
}

/* Adds one message to the cbr batch, or to the rejects.  -1: out of memory. */
static int add_message(stream_host *h, const rd_kafka_message_t *msg, uint64_t *rejected)
{
    if (!msg->payload || msg->len == 0) {
        ++*rejected;
        return reject(h, msg, "the message has no value");
    }
    const cbrin_record *rec;
    if (!cbrin_parse_json(h->reader, msg->payload, msg->len, &rec)) {
        ++*rejected;
        return reject(h, msg, rec->error);
    }
    if (stream_store_shared(h->store)) {
        char why[320];
        if (miskeyed(msg, rec, why, sizeof why)) {
            ++*rejected;
            return reject(h, msg, why);
        }
    }
    cbr_error err;
    size_t row = cbr_batch_rows(h->batch);
    if (cbr_batch_begin_row(h->batch, &err) != CBR_OK) {
        ++*rejected;
        return reject(h, msg, err.message);
    }
    stream_row *r = &h->rows[row];
    r->msg = msg;
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        if (c->missing)
            continue;
        int f = stream_field_of(h, i, c->key, c->keylen);
        if (f >= 0)
            cbr_batch_set(h->batch, (size_t)f, c->val, c->len, NULL);
        /* What an award repeats from its transaction, as the message wrote it. */
        char **keep = c->keylen == 3 && !memcmp(c->key, "tid", 3) ? &r->tid
                    : c->keylen == 7 && !memcmp(c->key, "user_id", 7) ? &r->user_id
                    : c->keylen == 9 && !memcmp(c->key, "timestamp", 9) ? &r->timestamp : NULL;
        if (keep) {
            free(*keep);
            if (!(*keep = stream_dup(c->val, c->len)))
                return -1;
        }
    }
    if (cbr_batch_end_row(h->batch, NULL, &err) != CBR_OK) {
        /* The refused row is not in the batch; the next record takes its index. */
        free(r->tid);
        free(r->user_id);
        free(r->timestamp);
        *r = (stream_row){0};
        ++*rejected;
        return reject(h, msg, err.message);
    }
    return 0;
}

static int put_offsets(stream_host *h)
{
    for (size_t i = 0; i < h->nparts; i++)
        if (h->parts[i].touched &&
            stream_store_put_offset(h->store, h->cfg->topic, (int32_t)i, h->parts[i].next) != 0)
            return -1;
    return 0;
}

/* A fleet's transaction first locks the partitions it writes for and
 * checks that no other instance took one since (epochs). */
static int fence_touched(stream_host *h)
{
    if (!stream_store_shared(h->store))
        return 0;
    int32_t *ps = malloc((h->nparts ? h->nparts : 1) * sizeof *ps);
    int64_t *es = malloc((h->nparts ? h->nparts : 1) * sizeof *es);
    size_t n = 0;
    int rc = ps && es ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < h->nparts; i++)
        if (h->parts[i].touched) {
            ps[n] = (int32_t)i;
            es[n++] = h->parts[i].epoch;
        }
    if (rc == 0)
        rc = stream_store_fence(h->store, h->cfg->topic, ps, es, n);
    else
        fprintf(stderr, STREAM_PROG ": out of memory fencing a batch\n");
    free(ps);
    free(es);
    return rc;
}

/* What a batch's messages stand for, in its transaction. */
static int write_batch(stream_host *h, void *ud)
{
    (void)ud;
    int rc = fence_touched(h);
    if (rc == 0 && (stream_store_put_ledger(h->store, h->ledger) || stream_ledger_write_records(h->ledger) ||
                    stream_store_prune(h->store, h->cfg->ledger_days) || put_offsets(h)))
        rc = -1;
    /* Last: the shared counters' rows stay locked until the commit, and
     * every instance's batches spending them queue behind the lock. */
    if (rc == 0 && h->shared)
        rc = stream_shared_write(h->shared);
    if (rc < -1)
        h->store_rc = rc;
    return rc;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Appends s with the separators of counter keys escaped (vm/limits.c). */
/* Appends s as the VM writes it into counter keys. */
static void put_escaped(cbrtb *b, const char *s, size_t n)
{
    char *at = cbrtb_reserve(b, 2 * n);
    if (at)
        b->n += cbr_key_escape(s, n, at, 2 * n);
}

static int cmp_key(const void *a, const void *b)
{
    const stream_key *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The ledger record of tid will be read: it belongs to partition part
 * (-1: a refund's purchase, whose record says). */
static int hint_record(stream_host *h, const char *tid, size_t n, int32_t part)
{
    char buf[256], *k = buf;
    size_t kn = cbr_ledger_key(tid, n, buf, sizeof buf);
    if (kn > sizeof buf && !(k = malloc(kn)))
        return -1;
    if (k != buf)
        cbr_ledger_key(tid, n, k, kn);
    int rc = stream_records_hint(stream_ledger_records(h->ledger), k, kn, part) == CBR_OK ? 0 : -1;
    if (k != buf)
        free(k);
    return rc;
}

/* A fleet's batch reads what it needs from the store first, in one query
 * each: the counters of its users (as the VM keys them: the NFC text,
 * escaped) and the ledger records its rows name, with the partition each
 * record belongs to. */
static int load_batch(stream_host *h)
{
    size_t rows = cbr_batch_rows(h->batch);
    int fu = cbr_program_field(h->prog, "user_id", 7), ft = cbr_program_field(h->prog, "tid", 3);
    cbrtb b = {0};
    size_t *at = rows ? calloc(rows, sizeof *at) : NULL, *len = rows ? calloc(rows, sizeof *len) : NULL;
    stream_key *users = rows ? calloc(rows, sizeof *users) : NULL;
    int rc = !rows || (at && len && users) ? 0 : -1;
    if (rc == 0 && !stream_ledger_reset(h->ledger))
        rc = -1;
    for (size_t r = 0; rc == 0 && r < rows; r++) {
        size_t n = 0;
        const char *u = fu >= 0 ? cbr_batch_string(h->batch, r, (size_t)fu, &n) : NULL;
        at[r] = b.n;
        if (u)
            put_escaped(&b, u, n);
        len[r] = u ? b.n - at[r] : SIZE_MAX;
        const char *t = ft >= 0 ? cbr_batch_string(h->batch, r, (size_t)ft, &n) : NULL;
        if (t && hint_record(h, t, n, h->rows[r].msg->partition) != 0)
            rc = -1;
        if (cbr_batch_refund(h->batch, r) == 1 &&
            (t = cbr_batch_string(h->batch, r, CBR_FIELD_ORIGINAL_TID, &n)) && hint_record(h, t, n, -1) != 0)
            rc = -1;
    }
    rc = rc || b.oom ? -1 : 0;
    if (rc != 0)
        fprintf(stderr, STREAM_PROG ": out of memory reading a batch's state\n");
    size_t nu = 0;
    for (size_t r = 0; rc == 0 && r < rows; r++)
        if (len[r] != SIZE_MAX)
            users[nu++] = (stream_key){b.p + at[r], len[r]};
    /* Once each, in order: one query, whatever the batch repeats. */
    if (nu > 1)
        qsort(users, nu, sizeof *users, cmp_key);
    size_t k = 0;
    for (size_t i = 0; i < nu; i++)
        if (k == 0 || cmp_key(&users[k - 1], &users[i]))
            users[k++] = users[i];
    if (rc == 0)
        rc = stream_store_load_users(h->store, h->ledger, users, k);
    if (rc == 0)
        rc = stream_records_fetch(stream_ledger_records(h->ledger));
    if (rc == 0)
        stream_ledger_loaded(h->ledger);
    free(at);
    free(len);
    free(users);
    cbrtb_free(&b);
    return rc;
}

/* Builds the batch of the pending messages, evaluates it and collects its
 * messages: 0, or -1 after printing why. */
static int evaluate(stream_host *h, uint64_t *records, uint64_t *rejected)
{
    int rc = 0;
    cbr_batch_clear(h->batch);
    for (size_t i = 0; i < h->npending && rc == 0; i++) {
        const rd_kafka_message_t *msg = h->pending[i];
        stream_part *sp = part(h, msg->partition);
        if (!sp) {
            /* Skipping it while later offsets advance would lose it. */
            fprintf(stderr, STREAM_PROG ": out of memory tracking partition %d\n", (int)msg->partition);
            rc = -1;
            break;
        }
        /* Already evaluated and committed (a replay after a reset or seek). */
        if (!sp->assigned || (sp->next >= 0 && msg->offset < sp->next))
            continue;
        ++*records;
        size_t nout = h->nout;
        rc = add_message(h, msg, rejected);
        for (size_t k = nout; k < h->nout; k++)
            h->out[k].part = msg->partition;
        sp->next = msg->offset + 1;
        sp->touched = true;
    }
    if (rc == 0 && stream_store_shared(h->store) && cbr_batch_rows(h->batch) > 0)
        rc = load_batch(h);
    stream_event_ud eu = {.h = h};
    cbr_error err;
    if (rc == 0 && cbr_batch_rows(h->batch) > 0 && cbr_eval(h->ctx, h->batch, on_award, &eu, &err) != CBR_OK) {
        fprintf(stderr, STREAM_PROG ": evaluating a batch: %s\n", err.message);
        rc = -1;
    }
    if (eu.oom) {
        fprintf(stderr, STREAM_PROG ": out of memory building a batch\n");
        rc = -1;
    }
    /* Duplicates and bad refunds, refused while settling, go to the
     * rejects in the batch's transaction like unreadable records. */
    for (size_t r = 0; rc == 0 && r < cbr_batch_rows(h->batch); r++) {
        const char *why = cbr_context_refused(h->ctx, r);
        if (why) {
            ++*rejected;
            rc = reject(h, h->rows[r].msg, why);
            if (rc == 0)
                h->out[h->nout - 1].part = h->rows[r].msg->partition;
        }
    }
    return rc;
}

/* The batch's messages, rows and offsets are forgotten (after its commit,
 * or to evaluate it again: then its partitions go back to where it began). */
static void forget_batch(stream_host *h, bool again)
{
    for (size_t i = 0; i < h->nout; i++)
        stream_msg_clear(&h->out[i]);
    h->nout = 0;
    for (size_t i = 0; i < h->nparts; i++) {
        if (again && h->parts[i].touched)
            h->parts[i].next = h->parts[i].before;
        h->parts[i].touched = false;
    }
    clear_rows(h, cbr_batch_rows(h->batch));
    cbr_batch_clear(h->batch);
}

/* Whether a batch whose commit was not answered (the connection went
 * away with it) was committed after all: its partitions' stored offsets
 * are then where it ends. */
static bool committed_after_all(stream_host *h)
{
    bool any = false;
    for (size_t i = 0; i < h->nparts; i++) {
        if (!h->parts[i].touched)
            continue;
        if (stream_store_offset(h->store, h->cfg->topic, (int32_t)i) != h->parts[i].next)
            return false;
        any = true;
    }
    return any;
}

enum { GIVE_UP, AGAIN, COMMITTED };

/* A fleet's batch that failed for a reason that passes: AGAIN when it is
 * to be evaluated again from the store (a lease lost, the store back),
 * COMMITTED when the store has it although its commit was not answered. */
static int evaluate_again(stream_host *h, int rc_store, unsigned attempt)
{
    if (!stream_store_shared(h->store) || rc_store == -3 || attempt >= 20)
        return GIVE_UP;
    if (rc_store == -4) {
        /* What this instance knew of the shared counters is wrong: the
         * database says again. */
        stream_shared_forget(h->shared);
        return AGAIN;
    }
    if (!stream_store_lost(h->store) || !stream_store_wait(h))
        return GIVE_UP;
    if (committed_after_all(h))
        return COMMITTED;
    stream_shared_forget(h->shared);
    return AGAIN;
}

int stream_process_pending(stream_host *h)
{
    if (h->fatal)
        return -1;
    if (h->npending == 0)
        return 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < h->nparts; i++)
        h->parts[i].before = h->parts[i].next;
    uint64_t records, rejected;
    int rc;
    for (unsigned attempt = 0;; attempt++) {
        records = rejected = 0;
        h->store_rc = 0;
        rc = evaluate(h, &records, &rejected);
        /* One transaction: acknowledged outbox rows leave, counters, ledger
         * records, new outbox rows and offsets arrive. */
        if (rc == 0)
            rc = stream_commit_out(h, write_batch, NULL);
        int next = rc == 0 ? GIVE_UP : evaluate_again(h, h->store_rc, attempt);
        if (next == COMMITTED) {
            /* The outbox rows and their ids are the ones the database holds. */
            stream_shared_forget(h->shared);
            rc = 0;
        }
        if (next != AGAIN)
            break;
        if (h->shared)
            stream_shared_abandon(h->shared);
        forget_batch(h, true);
    }
    if (rc != 0) {
        /* The counters in memory are ahead of the store now: stop and let a
         * restart resume from the last commit rather than go on from a
         * state no offset describes. */
        if (h->store_rc == -3)
            fprintf(stderr, STREAM_PROG ": fenced: another instance owns a partition of this batch now; its "
                            "work is not committed here; stopping\n");
        else
            fprintf(stderr, STREAM_PROG ": the batch could not be committed; stopping\n");
        h->fatal = true;
        stream_stop = 1;
    } else {
        stream_ledger_clean(h->ledger);
        stream_events_committed(h);
        stream_metrics_batch(h->metrics, records, rejected, seconds_since(&t0));
        stream_metrics_leases(h->metrics, h->shared);
    }
    forget_batch(h, false);
    drop_pending(h);
    return rc;
}

static void update_lag(stream_host *h)
{
    for (size_t i = 0; i < h->nparts; i++) {
        if (!h->parts[i].assigned)
            continue;
        int64_t lo, hi;
        if (rd_kafka_get_watermark_offsets(h->consumer, h->cfg->topic, (int32_t)i, &lo, &hi) != 0 || hi < 0)
            continue;
        int64_t at = h->parts[i].next >= 0 ? h->parts[i].next : lo;
        stream_metrics_lag(h->metrics, h->cfg->topic, (int32_t)i, hi > at ? hi - at : 0);
    }
}

int stream_consume_once(stream_host *h)
{
    int64_t deadline = stream_now_ms() + h->cfg->wait_ms;
    while (!stream_stop && h->npending < (size_t)h->cfg->batch_size) {
        int64_t left = deadline - stream_now_ms();
        if (left < 0)
            left = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(h->consumer, (int)(left > 1000 ? 1000 : left));
        if (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    fprintf(stderr, STREAM_PROG ": consumer: %s\n", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            } else {
                h->pending[h->npending++] = m;
            }
        }
        if (left == 0)
            break;
        /* Delivery reports are served while waiting, so acks are not held back. */
        stream_outbox_poll(h, 0);
    }
    bool had = h->npending > 0;
    int rc = stream_process_pending(h);
    if (rc == 0 && had)
        commit_kafka(h, false);
    update_lag(h);
    return rc;
}
