namespace MFlow.ServiceDefaults;

/// <summary>
/// A message that can never be processed (it is invalid, or names something that does not exist).
/// The bus does not retry it: it goes straight to the endpoint's error queue, with this message
/// as the fault reason, and the service carries on.
/// </summary>
public class PermanentMessageException(string message, Exception? innerException = null)
    : Exception(message, innerException);
