"""`minyi demo`, the browser sandbox, and the local app that the demo and the tests drive."""
