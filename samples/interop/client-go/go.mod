module dev.leasehold/samples/interop/client-go

go 1.19

require (
	k8s.io/apimachinery v0.26.15
	k8s.io/client-go v0.26.15
)
