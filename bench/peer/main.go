// The grpc-gateway side of bench/peer/peer_bench.sh: grpc-gateway v1's
// runtime.ServeMux serving bench/unary_bench.proto's HTTP rule, proxying each
// request over loopback to the gRPC port of unary_bench_server (the same C++
// service that grpcgw serves in its own process).
//
//   peer_gateway -grpc 127.0.0.1:PORT [-listen 127.0.0.1:0]
//
// Prints "listening on <port>" once it accepts connections; runs until killed.
// Built in GOPATH mode against Debian's packages (see peer_bench.sh).
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/grpc-ecosystem/grpc-gateway/runtime"
	"golang.org/x/net/context"
	"google.golang.org/grpc"

	benchpb "grpcgwbench/benchpb"
)

func main() {
	grpcAddr := flag.String("grpc", "", "host:port of the gRPC server to proxy to")
	listenAddr := flag.String("listen", "127.0.0.1:0", "HTTP address to listen on")
	flag.Parse()
	if *grpcAddr == "" {
		fmt.Fprintln(os.Stderr, "usage: peer_gateway -grpc host:port [-listen host:port]")
		os.Exit(2)
	}

	ctx := context.Background()
	mux := runtime.NewServeMux()
	opts := []grpc.DialOption{grpc.WithInsecure()}
	if err := benchpb.RegisterItemsHandlerFromEndpoint(ctx, mux, *grpcAddr, opts); err != nil {
		log.Fatalf("cannot register the gateway: %v", err)
	}

	listener, err := net.Listen("tcp", *listenAddr)
	if err != nil {
		log.Fatalf("cannot listen: %v", err)
	}
	fmt.Printf("listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	log.Fatal(http.Serve(listener, mux))
}
