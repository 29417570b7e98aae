/* pool.c: a queue of jobs and the threads that take from it (pool.h). */
#include "config.h"
#include <pthread.h>
#include <stdlib.h>
#include "hosts/pool.h"

struct hpool {
    pthread_mutex_t mu;
    pthread_cond_t work;        /* a job was queued, or stop */
    pthread_cond_t done;        /* a job was evaluated */
    hjob *head, *tail;
    bool stop;
    unsigned n;
    pthread_t threads[];
};

static void *worker(void *arg)
{
    hpool *pool = arg;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->head && !pool->stop)
            pthread_cond_wait(&pool->work, &pool->mu);
        hjob *j = pool->head;
        if (!j)
            break; /* stopping, and nothing is left */
        pool->head = j->next;
        if (!pool->head)
            pool->tail = NULL;
        pthread_mutex_unlock(&pool->mu);
        j->fn(j);
        pthread_mutex_lock(&pool->mu);
        j->done = true;
        pthread_cond_broadcast(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

hpool *hpool_start(unsigned n)
{
    hpool *pool = calloc(1, sizeof *pool + n * sizeof pool->threads[0]);
    if (!pool)
        return NULL;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->work, NULL);
    pthread_cond_init(&pool->done, NULL);
    while (pool->n < n && pthread_create(&pool->threads[pool->n], NULL, worker, pool) == 0)
        pool->n++;
    if (pool->n == 0) {
        hpool_stop(pool);
        return NULL;
    }
    return pool;
}

void hpool_submit(hpool *pool, hjob *j)
{
    j->done = false;
    j->next = NULL;
    pthread_mutex_lock(&pool->mu);
    if (pool->tail)
        pool->tail->next = j;
    else
        pool->head = j;
    pool->tail = j;
    pthread_cond_signal(&pool->work);
    pthread_mutex_unlock(&pool->mu);
}

void hpool_wait(hpool *pool, hjob *j)
{
    pthread_mutex_lock(&pool->mu);
    while (!j->done)
        pthread_cond_wait(&pool->done, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
}

void hpool_stop(hpool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->stop = true;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->mu);
    for (unsigned i = 0; i < pool->n; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->work);
    pthread_mutex_destroy(&pool->mu);
    free(pool);
}

void hpool_evaluate(hjob *j)
{
    j->st = cbr_evaluate(j->ctx, j->b, &j->err);
}
