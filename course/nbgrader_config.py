# nbgrader settings of the svge course; course/manage.py copies this file into a temporary course root.
c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.course_id = 'svge'
c.CourseDirectory.root = '.'
c.CourseDirectory.db_url = 'sqlite:///gradebook.db'
c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE\nraise NotImplementedError()'}
c.Execute.timeout = 300                    # seconds per cell (nbgrader's default is 30); an assignment runs in under 5 minutes

# nbgrader scores a graded cell zero when it wrote anything to stderr, so a deprecation warning or a progress bar
# would cost a correct solution its points. Grading drops stderr output after executing and before scoring; an
# error (a failed assert, an exception) still scores zero. Students still see every warning when they run the cells.
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import Execute, NbGraderPreprocessor  # noqa: E402


class DropStderr(NbGraderPreprocessor):
    "Remove the stderr streams of every code cell (warnings, progress bars); errors stay and still score zero."
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == 'code':
            cell.outputs = [o for o in cell.outputs if not (o.output_type == 'stream' and o.name == 'stderr')]
        return cell, resources


_steps = list(Autograde.class_traits()['autograde_preprocessors'].default())     # nbgrader's own, in its order
c.Autograde.autograde_preprocessors = _steps[:_steps.index(Execute) + 1] + [DropStderr] + _steps[_steps.index(Execute) + 1:]
