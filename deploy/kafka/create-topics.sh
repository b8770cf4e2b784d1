#!/bin/bash
# Creates every topic of deploy/kafka/topics.txt (or $TOPICS_FILE) with its final partition count,
# replication factor $REPLICATION_FACTOR and min.insync.replicas $MIN_INSYNC_REPLICAS, on $BOOTSTRAP_SERVERS.
# Idempotent (--if-not-exists). A topic that exists with fewer partitions is reported and the job fails:
# partitions are never added, since that would move keys and break per-case order.
set -euo pipefail
: "${BOOTSTRAP_SERVERS:?}" "${REPLICATION_FACTOR:?}" "${MIN_INSYNC_REPLICAS:?}"
topics_file="${TOPICS_FILE:-$(dirname "$0")/topics.txt}"
kafka_topics=/opt/kafka/bin/kafka-topics.sh

while read -r topic partitions retention _; do
    [[ -z "$topic" || "$topic" == \#* ]] && continue
    "$kafka_topics" --bootstrap-server "$BOOTSTRAP_SERVERS" --create --if-not-exists \
        --topic "$topic" --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR" \
        --config min.insync.replicas="$MIN_INSYNC_REPLICAS" --config retention.ms="$retention" \
        --config cleanup.policy=delete
    actual=$("$kafka_topics" --bootstrap-server "$BOOTSTRAP_SERVERS" --describe --topic "$topic" \
        | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n 1)
    if [[ "$actual" != "$partitions" ]]; then
        echo "create-topics: $topic has $actual partitions, expected $partitions" >&2
        exit 1
    fi
    echo "create-topics: $topic ready ($partitions partitions, RF $REPLICATION_FACTOR, min ISR $MIN_INSYNC_REPLICAS)"
done < "$topics_file"
