namespace MFlow.Kubernetes;
