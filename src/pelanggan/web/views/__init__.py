"""Console views: parse the request, make one service or selector call, render or map the error."""
