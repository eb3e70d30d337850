# nbgrader settings of the svge course; course/manage.py copies this file into a temporary course root.
c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.course_id = 'svge'
c.CourseDirectory.root = '.'
c.CourseDirectory.db_url = 'sqlite:///gradebook.db'
c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE\nraise NotImplementedError()'}
c.Execute.timeout = 300                    # seconds per cell (nbgrader's default is 30); an assignment runs in under 5 minutes
