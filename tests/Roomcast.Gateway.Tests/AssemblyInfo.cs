[assembly: Xunit.CollectionBehavior(MaxParallelThreads = 4)]
