namespace MFlow.Testing;
