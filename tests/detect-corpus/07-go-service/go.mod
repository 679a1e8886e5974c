module example.com/orders

go 1.22

require (
	github.com/jackc/pgx/v5 v5.6.0
	github.com/nats-io/nats.go v1.36.0
	github.com/segmentio/kafka-go v0.4.47 // indirect
)

require github.com/google/uuid v1.6.0
