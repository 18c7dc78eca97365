namespace MFlow.Kubernetes.Fake;
